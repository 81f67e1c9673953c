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

        Assert.InRange(store.Reads - readsBefore, 0, 1);
        Assert.NotNull(await ring.FindAsync(ring.CurrentKeyId, CancellationToken.None));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class CountingKeyStore(ISigningKeyStore inner) : ISigningKeyStore
    {
        private int _reads;

        public int Reads => _reads;

        public IReadOnlyList<SigningKeyRecord> Active(DateTimeOffset now)
        {
            Interlocked.Increment(ref _reads);
            return inner.Active(now);
        }

        public void Rotate(SigningKeyRecord key, DateTimeOffset retireOthersAt) => inner.Rotate(key, retireOthersAt);
    }
}
