using System.Buffers.Binary;

namespace Mesh.Tools.Sandbox.Seccomp;

/// <summary>
/// One classic-BPF instruction as the kernel reads it (<c>struct sock_filter</c> of
/// linux/filter.h, 8 bytes): an opcode, two relative jumps (taken when the test holds / fails,
/// counted in instructions after this one) and a constant.
/// </summary>
public readonly record struct BpfInstruction(ushort Code, byte JumpIfTrue, byte JumpIfFalse, uint K);

/// <summary>
/// A small builder of the classic-BPF programs seccomp runs (the subset a deny-list needs: load a
/// word of <c>struct seccomp_data</c>, compare it with a constant, return an action), encoded the
/// way bubblewrap's <c>--seccomp FD</c> expects: the instructions back to back in the machine's
/// byte order (little-endian on x86_64 and aarch64). The kernel checks the program when it is
/// installed; jumps only go forward, so every program ends.
/// </summary>
public sealed class BpfProgram
{
    // Opcodes from linux/bpf_common.h: class | size | mode, class | operation | source.
    public const ushort LoadWordAbsolute = 0x00 | 0x00 | 0x20;   // BPF_LD  | BPF_W   | BPF_ABS: A = data[k..k+4]
    public const ushort JumpIfEqual = 0x05 | 0x10 | 0x00;        // BPF_JMP | BPF_JEQ | BPF_K:   A == k
    public const ushort JumpIfAtLeast = 0x05 | 0x30 | 0x00;      // BPF_JMP | BPF_JGE | BPF_K:   A >= k
    public const ushort JumpIfAnyBit = 0x05 | 0x40 | 0x00;       // BPF_JMP | BPF_JSET | BPF_K:  (A & k) != 0
    public const ushort ReturnConstant = 0x06 | 0x00;            // BPF_RET | BPF_K:             return k

    /// <summary>The kernel's limit (BPF_MAXINSNS).</summary>
    public const int MaxInstructions = 4096;

    private readonly List<BpfInstruction> _instructions = [];

    public IReadOnlyList<BpfInstruction> Instructions => _instructions;

    /// <summary>A = the 32-bit word at <paramref name="offset"/> of <c>struct seccomp_data</c>.</summary>
    public BpfProgram Load(uint offset) => Add(new(LoadWordAbsolute, 0, 0, offset));

    /// <summary>If A == <paramref name="value"/> skip <paramref name="skipIfTrue"/> instructions, else <paramref name="skipIfFalse"/>.</summary>
    public BpfProgram IfEqual(uint value, byte skipIfTrue, byte skipIfFalse) => Add(new(JumpIfEqual, skipIfTrue, skipIfFalse, value));

    /// <summary>If A &gt;= <paramref name="value"/> (unsigned) skip <paramref name="skipIfTrue"/> instructions, else <paramref name="skipIfFalse"/>.</summary>
    public BpfProgram IfAtLeast(uint value, byte skipIfTrue, byte skipIfFalse) => Add(new(JumpIfAtLeast, skipIfTrue, skipIfFalse, value));

    /// <summary>If A has any bit of <paramref name="mask"/> set skip <paramref name="skipIfTrue"/> instructions, else <paramref name="skipIfFalse"/>.</summary>
    public BpfProgram IfAnyBit(uint mask, byte skipIfTrue, byte skipIfFalse) => Add(new(JumpIfAnyBit, skipIfTrue, skipIfFalse, mask));

    /// <summary>Ends the program with <paramref name="action"/> (a <c>SECCOMP_RET_*</c> value).</summary>
    public BpfProgram Return(uint action) => Add(new(ReturnConstant, 0, 0, action));

    /// <summary>The program as <c>struct sock_filter[]</c> in little-endian order.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[_instructions.Count * 8];
        for (var i = 0; i < _instructions.Count; i++)
        {
            var slot = bytes.AsSpan(i * 8, 8);
            var instruction = _instructions[i];
            BinaryPrimitives.WriteUInt16LittleEndian(slot, instruction.Code);
            slot[2] = instruction.JumpIfTrue;
            slot[3] = instruction.JumpIfFalse;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], instruction.K);
        }

        return bytes;
    }

    private BpfProgram Add(BpfInstruction instruction)
    {
        if (_instructions.Count == MaxInstructions)
        {
            throw new InvalidOperationException($"a seccomp program holds at most {MaxInstructions} instructions");
        }

        _instructions.Add(instruction);
        return this;
    }
}
