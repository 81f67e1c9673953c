using Mesh.Identity.Storage;
using Mesh.Identity.Tokens;
using Mesh.Security.Authentication;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Tests;

/// <summary>A token with a made-up key id costs identity a lookup, not a database read and decryption of every key.</summary>
public sealed class UnknownKeyIdTests : IDisposable
{
    private readonly string _directory = IdentityHost.NewDirectory();

    [Fact]
    public async Task FindAsync_ThousandUnknownKeyIds_ReadsTheKeysAtMostOnceAndDecryptsNothingAgain()
    {
        var store = new CountingKeyStore(new SqliteSigningKeyStore(new IdentityDatabase(IdentityHost.DatabasePath(_directory))));
        var tokens = Options.Create(new TokenOptions { KeyEncryptionKey = Convert.ToBase64String(new byte[32]) });
        var ring = new SigningKeyRing(store, new SigningKeyProtector(tokens), tokens, Options.Create(new MeshAuthOptions()), TimeProvider.System);
        ring.Rotate();
        var readsBefore = store.Reads;

        for (var i = 0; i < 1000; i++)
        {
            Assert.Null(await ring.FindAsync($"made-up-{i}", CancellationToken.None));
        }

        var lookupsOfMalformed = store.Lookups;
        for (var i = 0; i < 1000; i++)
        {
            Assert.Null(await ring.FindAsync($"20261206-{i:x12}", CancellationToken.None)); // well-formed, never issued
        }

        Assert.InRange(store.Reads - readsBefore, 0, 1);
        Assert.Equal(0, lookupsOfMalformed);
        Assert.InRange(store.Lookups, 1, 1000); // a well-formed id costs one indexed read, nothing decrypted
        Assert.NotNull(await ring.FindAsync(ring.CurrentKeyId, CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_KeyRotatedByAnotherReplicaAMomentAgo_FoundAtOnce()
    {
        var database = new IdentityDatabase(IdentityHost.DatabasePath(_directory));
        var tokens = Options.Create(new TokenOptions { KeyEncryptionKey = Convert.ToBase64String(new byte[32]) });
        var auth = Options.Create(new MeshAuthOptions { UnknownKeyRefreshInterval = TimeSpan.FromHours(1) });
        var rotating = new SigningKeyRing(new SqliteSigningKeyStore(database), new SigningKeyProtector(tokens), tokens, auth, TimeProvider.System);
        var verifying = new SigningKeyRing(new SqliteSigningKeyStore(database), new SigningKeyProtector(tokens), tokens, auth, TimeProvider.System);
        rotating.Rotate();
        Assert.NotNull(await verifying.FindAsync(rotating.CurrentKeyId, CancellationToken.None));

        rotating.Rotate();

        Assert.NotNull(await verifying.FindAsync(rotating.CurrentKeyId, CancellationToken.None));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class CountingKeyStore(ISigningKeyStore inner) : ISigningKeyStore
    {
        private int _reads;
        private int _lookups;

        public int Reads => _reads;

        public int Lookups => _lookups;

        public bool Contains(string keyId)
        {
            Interlocked.Increment(ref _lookups);
            return inner.Contains(keyId);
        }

        public IReadOnlyList<SigningKeyRecord> Active(DateTimeOffset now)
        {
            Interlocked.Increment(ref _reads);
            return inner.Active(now);
        }

        public void Rotate(SigningKeyRecord key, DateTimeOffset retireOthersAt) => inner.Rotate(key, retireOthersAt);
    }
}
