using Mesh.Tools.Sandbox.Cgroups;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Sandbox;

/// <summary>
/// What this machine offers the sandbox, found once: bubblewrap, the cgroup driver (v2 or v1),
/// whether the service can drop to the runs' uids (it runs as root). Sandboxed tools refuse to run
/// (FailedPrecondition, saying what is missing) rather than run with less isolation.
/// </summary>
public sealed partial class SandboxEnvironment(IOptions<SandboxOptions> options, ILogger<SandboxEnvironment> logger)
{
    private readonly Lazy<(ICgroupDriver? Driver, string? Problem)> _probe = new(() => Probe(options.Value, logger));

    public ICgroupDriver? Cgroups => _probe.Value.Driver;

    /// <summary>Null when sandboxes can run, else what is missing and how to fix it.</summary>
    public string? Problem => _probe.Value.Problem;

    /// <summary>The service runs as root: it gives each run a uid of its own and drops to it.</summary>
    public bool Privileged { get; } = Interop.GetEffectiveUserId() == 0;

    private static (ICgroupDriver?, string?) Probe(SandboxOptions options, ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, "sandboxed tools need Linux (bubblewrap and cgroups)");
        }

        if (!File.Exists(options.BwrapPath))
        {
            return (null, $"bubblewrap is not installed ({options.BwrapPath} is missing): apt-get install -y bubblewrap");
        }

        if (Interop.GetEffectiveUserId() == 0 && !File.Exists(SandboxCommand.SetprivPath))
        {
            return (null, $"{SandboxCommand.SetprivPath} is missing: apt-get install -y util-linux");
        }

        CgroupMounts mounts;
        try
        {
            mounts = CgroupMounts.Read();
        }
        catch (IOException ex)
        {
            return (null, $"cannot read this process's cgroups: {ex.Message}");
        }

        var driver = CgroupDrivers.Detect(options.Cgroups, mounts, out var problem);
        if (driver is null)
        {
            return (null, $"no usable cgroups for memory, process and CPU limits ({problem}); run the tools service as root or with a delegated cgroup v2 subtree");
        }

        LogReady(logger, driver.Version, options.BwrapPath);
        return (driver, null);
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Sandbox ready: bubblewrap {Bwrap}, cgroups {Version}")]
    private static partial void LogReady(ILogger logger, string version, string bwrap);
}
