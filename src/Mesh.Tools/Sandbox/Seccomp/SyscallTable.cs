using System.Runtime.InteropServices;

namespace Mesh.Tools.Sandbox.Seccomp;

/// <summary>
/// The system call numbers of one architecture, for the calls the sandbox's filter names, and the
/// <c>AUDIT_ARCH_*</c> value the kernel reports for it in <c>seccomp_data.arch</c>. Numbers from
/// the kernel's uapi headers (x86_64: asm/unistd_64.h; aarch64: asm-generic/unistd.h).
/// </summary>
public sealed record SyscallTable(string Name, uint AuditArch, bool HasX32Abi, IReadOnlyDictionary<string, uint> Numbers)
{
    // AUDIT_ARCH_* = EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000), linux/audit.h.
    private const uint Arch64LittleEndian = 0x8000_0000 | 0x4000_0000;

    /// <summary>x86_64 system calls with bit 30 set are the x32 ABI's (same arch value, other numbers).</summary>
    public const uint X32SyscallBit = 0x4000_0000;

    public static SyscallTable X64 { get; } = new("x86_64", Arch64LittleEndian | 62, HasX32Abi: true, new Dictionary<string, uint>
    {
        ["socket"] = 41, ["clone"] = 56, ["ptrace"] = 101, ["syslog"] = 103, ["vhangup"] = 153, ["pivot_root"] = 155,
        ["chroot"] = 161, ["acct"] = 163, ["settimeofday"] = 164, ["mount"] = 165, ["umount2"] = 166, ["swapon"] = 167,
        ["swapoff"] = 168, ["reboot"] = 169, ["iopl"] = 172, ["ioperm"] = 173, ["init_module"] = 175, ["delete_module"] = 176,
        ["quotactl"] = 179, ["lookup_dcookie"] = 212, ["clock_settime"] = 227, ["kexec_load"] = 246, ["add_key"] = 248,
        ["request_key"] = 249, ["keyctl"] = 250, ["unshare"] = 272, ["perf_event_open"] = 298, ["name_to_handle_at"] = 303,
        ["open_by_handle_at"] = 304, ["setns"] = 308, ["process_vm_readv"] = 310, ["process_vm_writev"] = 311, ["kcmp"] = 312,
        ["finit_module"] = 313, ["kexec_file_load"] = 320, ["bpf"] = 321, ["userfaultfd"] = 323, ["io_uring_setup"] = 425,
        ["io_uring_enter"] = 426, ["io_uring_register"] = 427, ["open_tree"] = 428, ["move_mount"] = 429, ["fsopen"] = 430,
        ["fsconfig"] = 431, ["fsmount"] = 432, ["fspick"] = 433, ["clone3"] = 435, ["pidfd_getfd"] = 438,
        ["process_madvise"] = 440, ["mount_setattr"] = 442,
    });

    /// <summary>aarch64 uses the generic table: no iopl/ioperm, other numbers below 400, the same ones above.</summary>
    public static SyscallTable Arm64 { get; } = new("aarch64", Arch64LittleEndian | 183, HasX32Abi: false, new Dictionary<string, uint>
    {
        ["lookup_dcookie"] = 18, ["umount2"] = 39, ["mount"] = 40, ["pivot_root"] = 41, ["chroot"] = 51, ["vhangup"] = 58,
        ["quotactl"] = 60, ["acct"] = 89, ["unshare"] = 97, ["kexec_load"] = 104, ["init_module"] = 105, ["delete_module"] = 106,
        ["clock_settime"] = 112, ["syslog"] = 116, ["ptrace"] = 117, ["reboot"] = 142, ["settimeofday"] = 170, ["socket"] = 198,
        ["add_key"] = 217, ["request_key"] = 218, ["keyctl"] = 219, ["clone"] = 220, ["swapon"] = 224, ["swapoff"] = 225,
        ["perf_event_open"] = 241, ["name_to_handle_at"] = 264, ["open_by_handle_at"] = 265, ["setns"] = 268,
        ["process_vm_readv"] = 270, ["process_vm_writev"] = 271, ["kcmp"] = 272, ["finit_module"] = 273, ["bpf"] = 280,
        ["userfaultfd"] = 282, ["kexec_file_load"] = 294, ["io_uring_setup"] = 425, ["io_uring_enter"] = 426,
        ["io_uring_register"] = 427, ["open_tree"] = 428, ["move_mount"] = 429, ["fsopen"] = 430, ["fsconfig"] = 431,
        ["fsmount"] = 432, ["fspick"] = 433, ["clone3"] = 435, ["pidfd_getfd"] = 438, ["process_madvise"] = 440,
        ["mount_setattr"] = 442,
    });

    /// <summary>The table of <paramref name="architecture"/>, or null for one the filter does not know.</summary>
    public static SyscallTable? For(Architecture architecture) => architecture switch
    {
        Architecture.X64 => X64,
        Architecture.Arm64 => Arm64,
        _ => null,
    };
}
