using System.Buffers.Binary;
using Mesh.Tools.Sandbox.Seccomp;

namespace Mesh.Tools.Tests.Sandbox;

/// <summary>
/// The filter as the kernel would run it: a small interpreter of the classic-BPF instructions the
/// policy uses runs the encoded program over a <c>seccomp_data</c> for each case.
/// </summary>
public sealed class SeccompPolicyTests
{
    private const uint I386 = 0x4000_0003;

    /// <summary>Runs <paramref name="program"/> (struct sock_filter[], little-endian) on one system call.</summary>
    private static uint Run(byte[] program, uint arch, uint nr, ulong firstArgument = 0)
    {
        var data = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(data, nr);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), arch);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(16), firstArgument);
        uint accumulator = 0;
        for (var pc = 0; pc * 8 < program.Length; pc++)
        {
            var at = program.AsSpan(pc * 8, 8);
            var code = BinaryPrimitives.ReadUInt16LittleEndian(at);
            var (jt, jf, k) = (at[2], at[3], BinaryPrimitives.ReadUInt32LittleEndian(at[4..]));
            switch (code)
            {
                case BpfProgram.LoadWordAbsolute:
                    accumulator = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan((int)k));
                    break;
                case BpfProgram.JumpIfEqual:
                    pc += accumulator == k ? jt : jf;
                    break;
                case BpfProgram.JumpIfAtLeast:
                    pc += accumulator >= k ? jt : jf;
                    break;
                case BpfProgram.JumpIfAnyBit:
                    pc += (accumulator & k) != 0 ? jt : jf;
                    break;
                case BpfProgram.ReturnConstant:
                    return k;
                default:
                    throw new InvalidOperationException($"opcode {code:x} at {pc}");
            }
        }

        throw new InvalidOperationException("the program ran off its end");
    }

    public static TheoryData<string> Tables() => ["x86_64", "aarch64"];

    private static SyscallTable Table(string name) => name == "x86_64" ? SyscallTable.X64 : SyscallTable.Arm64;

    [Theory]
    [MemberData(nameof(Tables))]
    public void Build_EveryDeniedCallOfTheTable_AnswersItsErrno(string name)
    {
        var table = Table(name);
        var program = SeccompPolicy.Build(table).ToBytes();

        foreach (var (call, errno) in SeccompPolicy.Denied.Where(d => table.Numbers.ContainsKey(d.Call)))
        {
            Assert.True(SeccompPolicy.Errno(errno) == Run(program, table.AuditArch, table.Numbers[call]), $"{call} on {name}");
        }
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void Build_CallsOutsideTheList_Allowed(string name)
    {
        var table = Table(name);
        var program = SeccompPolicy.Build(table).ToBytes();
        var denied = SeccompPolicy.Denied.Where(d => table.Numbers.ContainsKey(d.Call)).Select(d => table.Numbers[d.Call]).ToHashSet();

        var allowed = Enumerable.Range(0, 460).Select(n => (uint)n).Where(n => !denied.Contains(n) && n != table.Numbers["clone"]).ToList();

        Assert.All(allowed, nr => Assert.Equal(SeccompPolicy.Allow, Run(program, table.AuditArch, nr)));
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void Build_CloneForANewNamespace_EpermAndForAThreadOrProcess_Allowed(string name)
    {
        var table = Table(name);
        var program = SeccompPolicy.Build(table).ToBytes();
        const ulong Thread = 0x3d0f00;     // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
        const ulong Fork = 0x1200011;      // CLONE_CHILD_SETTID|CHILD_CLEARTID|SIGCHLD
        const ulong NewUser = 0x10000000;
        const ulong NewNet = 0x40000000;

        Assert.Equal(SeccompPolicy.Allow, Run(program, table.AuditArch, table.Numbers["clone"], Thread));
        Assert.Equal(SeccompPolicy.Allow, Run(program, table.AuditArch, table.Numbers["clone"], Fork));
        Assert.Equal(SeccompPolicy.Errno(SeccompPolicy.Eperm), Run(program, table.AuditArch, table.Numbers["clone"], Fork | NewUser));
        Assert.Equal(SeccompPolicy.Errno(SeccompPolicy.Eperm), Run(program, table.AuditArch, table.Numbers["clone"], NewNet));
        Assert.Equal(SeccompPolicy.Errno(SeccompPolicy.Enosys), Run(program, table.AuditArch, table.Numbers["clone3"]));
    }

    [Fact]
    public void Build_AnotherAbisCallOrAnX32Call_KilledOrRefused()
    {
        var program = SeccompPolicy.Build(SyscallTable.X64).ToBytes();

        // getpid: 20 on i386 through int 0x80, 39 | x32 bit on the x32 ABI.
        Assert.Equal(SeccompPolicy.KillProcess, Run(program, I386, 20));
        Assert.Equal(SeccompPolicy.Errno(SeccompPolicy.Eperm), Run(program, SyscallTable.X64.AuditArch, SyscallTable.X32SyscallBit | 39));
        Assert.Equal(SeccompPolicy.KillProcess, Run(SeccompPolicy.Build(SyscallTable.Arm64).ToBytes(), SyscallTable.X64.AuditArch, 39));
    }

    [Fact]
    public void Build_Tables_NameEveryDeniedCallTheirArchitectureHas()
    {
        var x86Only = new[] { "iopl", "ioperm" };

        Assert.All(SeccompPolicy.Denied, d => Assert.True(SyscallTable.X64.Numbers.ContainsKey(d.Call), $"x86_64 lacks {d.Call}"));
        Assert.All(SeccompPolicy.Denied.Where(d => !x86Only.Contains(d.Call)), d => Assert.True(SyscallTable.Arm64.Numbers.ContainsKey(d.Call), $"aarch64 lacks {d.Call}"));
        Assert.Equal(SyscallTable.X64.Numbers.Count, SyscallTable.X64.Numbers.Values.Distinct().Count());
        Assert.Equal(SyscallTable.Arm64.Numbers.Count, SyscallTable.Arm64.Numbers.Values.Distinct().Count());
    }
}
