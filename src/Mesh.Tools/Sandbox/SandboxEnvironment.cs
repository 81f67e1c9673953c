using System.ComponentModel;
using System.Runtime.InteropServices;
using Mesh.Tools.Sandbox.Cgroups;
using Mesh.Tools.Sandbox.Seccomp;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Sandbox;

/// <summary>
/// What this machine offers the sandbox, found once: bubblewrap, the cgroup driver (v2 or v1),
/// the seccomp filter for its architecture, whether the service can drop to the runs' uids (it
/// runs as root). Sandboxed tools refuse to run (FailedPrecondition, saying what is missing)
/// rather than run with less isolation.
/// </summary>
public sealed partial class SandboxEnvironment(IOptions<SandboxOptions> options, ILogger<SandboxEnvironment> logger) : IDisposable
{
    private readonly Lazy<(ICgroupDriver? Driver, SeccompFilter? Filter, string? Problem)> _probe = new(() => Probe(options.Value, logger));

    public ICgroupDriver? Cgroups => _probe.Value.Driver;

    /// <summary>The seccomp filter runs get; null when <see cref="SandboxOptions.Seccomp"/> is off.</summary>
    public SeccompFilter? Seccomp => _probe.Value.Filter;

    /// <summary>Null when sandboxes can run, else what is missing and how to fix it.</summary>
    public string? Problem => _probe.Value.Problem;

    public void Dispose()
    {
        if (_probe.IsValueCreated)
        {
            _probe.Value.Filter?.Dispose();
        }
    }

    /// <summary>The service runs as root: it gives each run a uid of its own and drops to it.</summary>
    public bool Privileged { get; } = Interop.GetEffectiveUserId() == 0;

    private static (ICgroupDriver?, SeccompFilter?, string?) Probe(SandboxOptions options, ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, null, "sandboxed tools need Linux (bubblewrap and cgroups)");
        }

        if (!File.Exists(options.BwrapPath))
        {
            return (null, null, $"bubblewrap is not installed ({options.BwrapPath} is missing): apt-get install -y bubblewrap");
        }

        if (Interop.GetEffectiveUserId() == 0 && !File.Exists(SandboxCommand.SetprivPath))
        {
            return (null, null, $"{SandboxCommand.SetprivPath} is missing: apt-get install -y util-linux");
        }

        CgroupMounts mounts;
        try
        {
            mounts = CgroupMounts.Read();
        }
        catch (IOException ex)
        {
            return (null, null, $"cannot read this process's cgroups: {ex.Message}");
        }

        var driver = CgroupDrivers.Detect(options.Cgroups, mounts, out var problem);
        if (driver is null)
        {
            return (null, null, $"no usable cgroups for memory, process and CPU limits ({problem}); run the tools service as root or with a delegated cgroup v2 subtree");
        }

        SeccompFilter? filter = null;
        if (options.Seccomp)
        {
            var architecture = RuntimeInformation.ProcessArchitecture;
            if (SyscallTable.For(architecture) is not { } table)
            {
                LogNoSeccompTable(logger, architecture);
                return (null, null, $"the sandbox's seccomp filter knows the system calls of x86_64 and aarch64, not of {architecture}; "
                    + $"set {SandboxOptions.SectionName}:Seccomp=false to run sandboxes without it");
            }

            try
            {
                filter = SeccompFilter.Create(table);
            }
            catch (Win32Exception ex)
            {
                return (null, null, $"the seccomp filter could not be prepared ({ex.Message}); set {SandboxOptions.SectionName}:Seccomp=false to run sandboxes without it");
            }
        }
        else
        {
            LogSeccompOff(logger);
        }

        LogReady(logger, driver.Version, options.BwrapPath, filter is null ? "off" : $"{filter.Architecture}, {filter.Instructions} instructions");
        return (driver, filter, null);
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Sandbox ready: bubblewrap {Bwrap}, cgroups {Version}, seccomp filter {Seccomp}")]
    private static partial void LogReady(ILogger logger, string version, string bwrap, string seccomp);

    [LoggerMessage(EventId = 62, Level = LogLevel.Error, Message = "Sandboxed tools are off: the seccomp filter has no system call table for {Architecture} (it has x86_64 and aarch64); set Mesh:Tools:Sandbox:Seccomp=false to run sandboxes without it")]
    private static partial void LogNoSeccompTable(ILogger logger, Architecture architecture);

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Sandboxes run without the seccomp filter (Mesh:Tools:Sandbox:Seccomp=false)")]
    private static partial void LogSeccompOff(ILogger logger);
}
