using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Mesh.Tools.Sandbox.Seccomp;

/// <summary>
/// The compiled filter, held in a sealed memfd for the service's lifetime (nothing on disk, and
/// no process can change it). Each run's wrapper opens it afresh through
/// <see cref="Source"/> (<c>/proc/&lt;service&gt;/fd/&lt;n&gt;</c>, a new open file at offset 0,
/// as root before it drops its privileges) on <see cref="Descriptor"/>, which bubblewrap reads to
/// its end, closes, and installs right before it runs the tool.
/// </summary>
public sealed class SeccompFilter : IDisposable
{
    /// <summary>The descriptor the wrapper opens the filter on and bubblewrap reads (<c>--seccomp 9</c>).</summary>
    public const int Descriptor = 9;

    private const uint MemfdCloseOnExec = 1;       // MFD_CLOEXEC: the service's children never inherit it
    private const uint MemfdAllowSealing = 2;      // MFD_ALLOW_SEALING
    private const int AddSeals = 1033;             // F_ADD_SEALS
    private const int SealAll = 1 | 2 | 4 | 8;     // F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE

    private readonly SafeFileHandle _memfd;

    private SeccompFilter(SafeFileHandle memfd, string architecture, int instructions)
    {
        _memfd = memfd;
        Architecture = architecture;
        Instructions = instructions;
        Source = $"/proc/{Environment.ProcessId}/fd/{memfd.DangerousGetHandle()}";
    }

    /// <summary>The path a child of the service opens the filter by.</summary>
    public string Source { get; }

    /// <summary>The architecture whose system call numbers the filter uses.</summary>
    public string Architecture { get; }

    public int Instructions { get; }

    /// <summary>The filter for <paramref name="table"/> in a sealed memfd.</summary>
    /// <exception cref="Win32Exception">The memfd could not be made.</exception>
    public static SeccompFilter Create(SyscallTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var program = SeccompPolicy.Build(table);
        var bytes = program.ToBytes();
        var fd = Interop.MemfdCreate("mesh-seccomp", MemfdCloseOnExec | MemfdAllowSealing);
        if (fd < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "memfd_create failed");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            RandomAccess.Write(handle, bytes, 0);
            if (Interop.Fcntl(fd, AddSeals, SealAll) < 0)
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), "sealing the seccomp memfd failed");
            }

            return new SeccompFilter(handle, table.Name, program.Instructions.Count);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose() => _memfd.Dispose();
}
