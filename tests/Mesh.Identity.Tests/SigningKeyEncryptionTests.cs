using System.Security.Cryptography;
using Mesh.Identity.Api;
using Mesh.Identity.Tokens;
using Mesh.Identity.V1;
using Mesh.Testing;
using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Tests;

public sealed class SigningKeyEncryptionTests : IDisposable
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _directory = IdentityHost.NewDirectory();

    [Fact]
    public async Task KeyEncryptionKeySet_StoredKeyIsSealedAndTokensStillVerifyAfterRestart()
    {
        string token;
        using (var first = new IdentityHost(_directory, KeyA))
        {
            token = (await first.Tokens.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme))).Token;
        }

        var stored = Assert.Single(StoredKeys());
        using var restarted = new IdentityHost(_directory, KeyA);
        var principal = await restarted.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(token));

        Assert.NotEqual(0x30, stored[0]); // not a DER private key
        using var probe = ECDsa.Create();
        Assert.ThrowsAny<CryptographicException>(() => probe.ImportPkcs8PrivateKey(stored, out _));
        Assert.Equal("alice", principal.Id);
    }

    [Theory]
    [InlineData(true, "does not decrypt with the configured Mesh:Identity:Tokens:KeyEncryptionKey")]
    [InlineData(false, "is stored encrypted: set Mesh:Identity:Tokens:KeyEncryptionKey")]
    public async Task SealedKeys_WrongOrMissingKeyEncryptionKey_IdentityRefusesToStartNamingTheSetting(bool otherKey, string expected)
    {
        using (var first = new IdentityHost(_directory, KeyA))
        {
            await first.Tokens.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme));
        }

        using var factory = new MeshServiceFactory<IdentityService>()
            .WithSetting("Mesh:Identity:DatabasePath", IdentityHost.DatabasePath(_directory))
            .WithSetting("Mesh:Identity:Tokens:KeyEncryptionKey", otherKey ? KeyB : null);
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateChannel());

        Assert.Contains(expected, Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyEncryptionKeyAddedLater_PlainKeyStillVerifiesAndTheNextKeyIsSealed()
    {
        string token;
        using (var plain = new IdentityHost(_directory))
        {
            token = (await plain.Tokens.IssueTokenAsync(new IssueTokenRequest(), TestCalls.As(TestKeys.Acme))).Token;
        }

        using var sealedHost = new IdentityHost(_directory, KeyA);
        var principal = await sealedHost.Identity.WhoAmIAsync(new WhoAmIRequest(), TestCalls.As(token));
        await sealedHost.Tokens.RotateSigningKeyAsync(new RotateSigningKeyRequest(), TestCalls.As(TestKeys.Admin));

        Assert.Equal("alice", principal.Id);
        Assert.Equal([true, false], StoredKeys().Select(k => k[0] == 0x30));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")] // 16 bytes
    public void Options_KeyEncryptionKeyNotBase64Of32Bytes_NamesTheProblem(string value)
    {
        var problems = new TokenOptions { KeyEncryptionKey = value }.Problems();

        Assert.Contains(problems, p => p.Contains("KeyEncryptionKey must be base64 of exactly 32 bytes", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>The stored private keys, oldest first.</summary>
    private List<byte[]> StoredKeys()
    {
        using var connection = new SqliteConnection($"Data Source={IdentityHost.DatabasePath(_directory)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT private_key FROM signing_keys ORDER BY created_at";
        using var reader = command.ExecuteReader();
        var keys = new List<byte[]>();
        while (reader.Read())
        {
            keys.Add((byte[])reader.GetValue(0));
        }

        return keys;
    }

    /// <summary>Every message in the chain: the host wraps start-up failures.</summary>
    private static string Flatten(Exception error) => error switch
    {
        AggregateException aggregate => string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Flatten)),
        { InnerException: { } inner } => $"{error.Message} | {Flatten(inner)}",
        _ => error.Message,
    };
}
