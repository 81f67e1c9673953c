namespace Mesh.Tools.Sandbox;

/// <summary>How sandboxed process tools run (<c>Mesh:Tools:Sandbox</c>).</summary>
public sealed class SandboxOptions
{
    public const string SectionName = "Mesh:Tools:Sandbox";

    /// <summary>bubblewrap (Debian's <c>bubblewrap</c> package).</summary>
    public string BwrapPath { get; set; } = "/usr/bin/bwrap";

    /// <summary>The interpreter of the built-in <c>python</c> tool, as the sandbox sees it (Debian's <c>python3</c>).</summary>
    public string PythonPath { get; set; } = "/usr/bin/python3";

    /// <summary>
    /// Sandboxes run as host uids from <see cref="UidBase"/> to <see cref="UidBase"/> + <see cref="UidCount"/> - 1
    /// (inside they are uid 65534): one per run's workspace, so no sandbox ever holds a uid that owns anything else.
    /// </summary>
    public int UidBase { get; set; } = 1_900_000_000;

    public int UidCount { get; set; } = 65_536;

    /// <summary>
    /// Whether sandboxes run under the seccomp filter (<see cref="Seccomp.SeccompPolicy"/>). It exists
    /// for x86_64 and aarch64; on another architecture sandboxed tools refuse to run unless this is
    /// false (then they run without it, the namespaces and dropped capabilities still in place).
    /// </summary>
    public bool Seccomp { get; set; } = true;

    /// <summary><c>auto</c> (v2 when the unified hierarchy has the controllers, else v1), <c>v1</c> or <c>v2</c>.</summary>
    public string Cgroups { get; set; } = "auto";

    /// <summary>Read-only system paths the sandbox sees besides /usr (and /bin, /lib, ... as on the host).</summary>
    public List<string> SystemPaths { get; } =
    [
        "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/resolv.conf", "/etc/ld.so.cache",
        "/etc/localtime", "/etc/ssl", "/etc/ca-certificates", "/etc/alternatives", "/etc/mime.types",
    ];

    /// <summary>Programs a registered process tool may not run (they manage privileges, namespaces or mounts).</summary>
    public List<string> DeniedCommands { get; } =
    [
        "bwrap", "su", "sudo", "doas", "pkexec", "mount", "umount", "nsenter", "unshare", "setpriv", "chroot", "runuser",
        "newuidmap", "newgidmap", "capsh", "setcap", "insmod", "modprobe", "rmmod", "kexec", "reboot", "shutdown",
    ];

    public long DefaultMemoryBytes { get; set; } = 256L * 1024 * 1024;

    public long MaxMemoryBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    public int DefaultMaxProcesses { get; set; } = 64;

    public int MaxProcesses { get; set; } = 1024;

    public double DefaultCpuCores { get; set; } = 1;

    public long DefaultOutputBytes { get; set; } = 1024 * 1024;

    public long MaxOutputBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Size of the private /tmp (memory, counted in the run's memory limit).</summary>
    public long TmpBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest single file a sandbox may write (RLIMIT_FSIZE).</summary>
    public long MaxFileBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Timeout of the built-in python and shell tools (a call may ask for less).</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Sandboxes running at once; further calls wait for a slot (within their deadline).</summary>
    public int MaxConcurrentRuns { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>A run's workspace not used for this long is removed (its run ended without saying so).</summary>
    public TimeSpan WorkspaceIdleTimeout { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<string> Problems()
    {
        var prefix = SectionName;
        if (Cgroups is not ("auto" or "v1" or "v2"))
        {
            yield return $"{prefix}:Cgroups must be auto, v1 or v2 (it is '{Cgroups}')";
        }

        if (UidBase < 65_536 || UidCount < 1 || (long)UidBase + UidCount > int.MaxValue)
        {
            yield return $"{prefix}:UidBase must be at least 65536 and UidBase + UidCount at most {int.MaxValue} (they are {UidBase} and {UidCount})";
        }

        if (DefaultMemoryBytes < 16 * 1024 * 1024 || DefaultMemoryBytes > MaxMemoryBytes)
        {
            yield return $"{prefix}:DefaultMemoryBytes must be between 16 MiB and MaxMemoryBytes ({MaxMemoryBytes}); it is {DefaultMemoryBytes}";
        }

        if (DefaultMaxProcesses < 4 || DefaultMaxProcesses > MaxProcesses)
        {
            yield return $"{prefix}:DefaultMaxProcesses must be between 4 and MaxProcesses ({MaxProcesses}); it is {DefaultMaxProcesses}";
        }

        if (DefaultCpuCores <= 0 || DefaultCpuCores > Environment.ProcessorCount)
        {
            yield return $"{prefix}:DefaultCpuCores must be above 0 and at most the machine's {Environment.ProcessorCount} cores; it is {DefaultCpuCores}";
        }

        if (DefaultOutputBytes < 1024 || DefaultOutputBytes > MaxOutputBytes)
        {
            yield return $"{prefix}:DefaultOutputBytes must be between 1 KiB and MaxOutputBytes ({MaxOutputBytes}); it is {DefaultOutputBytes}";
        }

        if (TmpBytes < 1024 * 1024 || MaxFileBytes < 1024 * 1024)
        {
            yield return $"{prefix}:TmpBytes and MaxFileBytes must be at least 1 MiB";
        }

        if (DefaultTimeout <= TimeSpan.Zero || DefaultTimeout > TimeSpan.FromHours(1))
        {
            yield return $"{prefix}:DefaultTimeout must be between 0 and 1 hour (it is {DefaultTimeout})";
        }

        if (MaxConcurrentRuns < 1)
        {
            yield return $"{prefix}:MaxConcurrentRuns must be at least 1 (it is {MaxConcurrentRuns})";
        }

        if (WorkspaceIdleTimeout < TimeSpan.FromMinutes(1))
        {
            yield return $"{prefix}:WorkspaceIdleTimeout must be at least a minute (it is {WorkspaceIdleTimeout})";
        }
    }

    /// <summary>The limits of a run: the requested ones, the defaults where they ask for none (0).</summary>
    public Registry.SandboxLimits Resolve(Registry.SandboxLimits? requested) => new(
        requested is { MemoryBytes: > 0 } ? requested.MemoryBytes : DefaultMemoryBytes,
        requested is { MaxProcesses: > 0 } ? requested.MaxProcesses : DefaultMaxProcesses,
        requested is { CpuCores: > 0 } ? requested.CpuCores : DefaultCpuCores,
        requested is { OutputBytes: > 0 } ? requested.OutputBytes : DefaultOutputBytes);

    /// <summary>What is wrong with limits a registration asks for, each with its field.</summary>
    public IEnumerable<(string Field, string Problem)> LimitProblems(Registry.SandboxLimits? limits)
    {
        if (limits is null)
        {
            yield break;
        }

        if (limits.MemoryBytes < 0 || limits.MemoryBytes is > 0 and (< 16 * 1024 * 1024) || limits.MemoryBytes > MaxMemoryBytes)
        {
            yield return ("limits.memory_bytes", $"must be between 16 MiB and {MaxMemoryBytes} (0: the default, {DefaultMemoryBytes})");
        }

        if (limits.MaxProcesses < 0 || limits.MaxProcesses is > 0 and < 4 || limits.MaxProcesses > MaxProcesses)
        {
            yield return ("limits.max_processes", $"must be between 4 and {MaxProcesses} (0: the default, {DefaultMaxProcesses}); the sandbox itself uses 2");
        }

        if (limits.CpuCores < 0 || limits.CpuCores > Environment.ProcessorCount || limits.CpuCores is > 0 and < 0.01)
        {
            yield return ("limits.cpu_cores", $"must be between 0.01 and {Environment.ProcessorCount} (0: the default, {DefaultCpuCores})");
        }

        if (limits.OutputBytes < 0 || limits.OutputBytes is > 0 and < 1024 || limits.OutputBytes > MaxOutputBytes)
        {
            yield return ("limits.output_bytes", $"must be between 1024 and {MaxOutputBytes} (0: the default, {DefaultOutputBytes})");
        }
    }
}
