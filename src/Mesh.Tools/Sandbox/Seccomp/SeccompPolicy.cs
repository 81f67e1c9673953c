namespace Mesh.Tools.Sandbox.Seccomp;

/// <summary>
/// The sandbox's seccomp filter: a deny-list after the dangerous calls of Docker's default profile
/// and Flatpak's, which the sandbox's processes never need. Most answer EPERM (the calls of
/// privileged operations: tracing other processes, mounts, namespaces, kernel modules and kexec,
/// the kernel keyring, BPF, perf, userfaultfd, io_uring, file handles, swap, reboot, clock);
/// <c>clone3</c> and the new mount API answer ENOSYS, so glibc falls back to <c>clone</c>, whose
/// flags the filter can read (clone3 passes them in memory it cannot), and <c>clone</c> asking for
/// a new namespace is EPERM. A call of another architecture's ABI (i386 through int 0x80 on
/// x86_64) kills the process; x32 calls are EPERM. Everything else is allowed: bubblewrap's
/// namespaces, the dropped capabilities and the unprivileged uid remain the first lines.
/// </summary>
public static class SeccompPolicy
{
    // SECCOMP_RET_* of linux/seccomp.h.
    public const uint KillProcess = 0x8000_0000;
    public const uint Allow = 0x7fff_0000;
    private const uint ReturnErrno = 0x0005_0000;

    public const int Eperm = 1;
    public const int Enosys = 38;

    // Offsets in struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }.
    public const uint NrOffset = 0;
    public const uint ArchOffset = 4;
    public const uint FirstArgumentOffset = 16;   // the low 32 bits of args[0] on a little-endian machine

    /// <summary>The namespace flags of clone (CLONE_NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET).</summary>
    public const uint NewNamespaceFlags = 0x0000_0080 | 0x0002_0000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000 | 0x2000_0000 | 0x4000_0000;

    /// <summary>The calls refused, with the errno they answer. Names a table lacks (iopl on aarch64) are skipped.</summary>
    public static IReadOnlyList<(string Call, int Errno)> Denied { get; } =
    [
        // Other processes: tracing, reading or writing their memory, comparing or stealing their files.
        ("ptrace", Eperm), ("process_vm_readv", Eperm), ("process_vm_writev", Eperm), ("kcmp", Eperm),
        ("pidfd_getfd", Eperm), ("process_madvise", Eperm),
        // Mounts and namespaces.
        ("mount", Eperm), ("umount2", Eperm), ("pivot_root", Eperm), ("chroot", Eperm), ("unshare", Eperm), ("setns", Eperm),
        ("open_tree", Enosys), ("move_mount", Enosys), ("fsopen", Enosys), ("fsconfig", Enosys), ("fsmount", Enosys),
        ("fspick", Enosys), ("mount_setattr", Enosys), ("clone3", Enosys),
        // The kernel itself: modules, kexec, reboot, swap, accounting, quotas, its log, raw I/O ports, the clock.
        ("init_module", Eperm), ("finit_module", Eperm), ("delete_module", Eperm), ("kexec_load", Eperm),
        ("kexec_file_load", Eperm), ("reboot", Eperm), ("swapon", Eperm), ("swapoff", Eperm), ("acct", Eperm),
        ("quotactl", Eperm), ("syslog", Eperm), ("lookup_dcookie", Eperm), ("iopl", Eperm), ("ioperm", Eperm),
        ("settimeofday", Eperm), ("clock_settime", Eperm), ("vhangup", Eperm),
        // Large attack surfaces a tool has no use for.
        ("bpf", Eperm), ("perf_event_open", Eperm), ("userfaultfd", Eperm), ("io_uring_setup", Eperm),
        ("io_uring_enter", Eperm), ("io_uring_register", Eperm),
        // The kernel keyring (shared beyond the sandbox's namespaces) and file handles (they bypass path checks).
        ("keyctl", Eperm), ("add_key", Eperm), ("request_key", Eperm), ("name_to_handle_at", Eperm), ("open_by_handle_at", Eperm),
    ];

    public static uint Errno(int errno) => ReturnErrno | (uint)(errno & 0xffff);

    /// <summary>The filter for the machine <paramref name="table"/> describes.</summary>
    public static BpfProgram Build(SyscallTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var program = new BpfProgram()
            // Another ABI numbers its calls differently: nothing below would mean what it says.
            .Load(ArchOffset)
            .IfEqual(table.AuditArch, 1, 0)
            .Return(KillProcess)
            .Load(NrOffset);
        if (table.HasX32Abi)
        {
            program.IfAtLeast(SyscallTable.X32SyscallBit, 0, 1).Return(Errno(Eperm));
        }

        foreach (var (call, errno) in Denied)
        {
            if (table.Numbers.TryGetValue(call, out var number))
            {
                // Not this call: skip its return.
                program.IfEqual(number, 0, 1).Return(Errno(errno));
            }
        }

        // clone with a namespace flag in its first argument (flags on both architectures); then allow.
        return program
            .IfEqual(table.Numbers["clone"], 0, 3)
            .Load(FirstArgumentOffset)
            .IfAnyBit(NewNamespaceFlags, 0, 1)
            .Return(Errno(Eperm))
            .Return(Allow);
    }
}
