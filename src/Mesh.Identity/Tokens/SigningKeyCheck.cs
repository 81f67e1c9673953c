using Mesh.ServiceDefaults;

namespace Mesh.Identity.Tokens;

/// <summary>
/// Reads the signing keys at start, so a missing or wrong key encryption key stops identity
/// with a message that says which setting to fix, instead of failing the first token call.
/// Warns when distributed mode stores its signing keys unencrypted.
/// </summary>
public sealed partial class SigningKeyCheck(SigningKeyRing keys, SigningKeyProtector protector, IConfiguration configuration, ILogger<SigningKeyCheck> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogKeys(logger, keys.Keys.Count, protector.Encrypts ? "encrypted" : "unencrypted");
        if (!protector.Encrypts && MeshMode.IsDistributed(configuration[MeshMode.Key]))
        {
            LogUnencrypted(logger, TokenOptions.SectionName);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "{Count} signing keys loaded; new keys are stored {Protection}")]
    private static partial void LogKeys(ILogger logger, int count, string protection);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Distributed mode stores the token signing keys unencrypted: set {Section}:KeyEncryptionKey (base64 of 32 random bytes) so the database alone cannot mint tokens")]
    private static partial void LogUnencrypted(ILogger logger, string section);
}
