using System.Runtime.InteropServices;
using Mesh.Tools.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Tools.Tests.Sandbox;

/// <summary>
/// The seccomp filter in real sandboxes: calls it denies answer EPERM where the kernel alone would
/// have let them through or answered otherwise (a second service with the filter off shows what
/// the kernel answers), and ordinary tools still work under it.
/// </summary>
public sealed class SandboxSeccompTests(ToolsFactory factory) : IClassFixture<ToolsFactory>
{
    // x86_64 numbers, written out here rather than taken from the filter's own table.
    private const string Probe = """
        import ctypes, errno
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        def call(name, nr, *args):
            ctypes.set_errno(0)
            result = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
            print(name, "ok" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()))
        call("ptrace", 101, 0, 0, 0, 0)                 # PTRACE_TRACEME: allowed to any process by the kernel
        call("unshare", 272, 0x10000000)                # CLONE_NEWUSER: the kernel says ENOSPC (bubblewrap's --disable-userns)
        call("mount", 165, 0, 0, 0, 0, 0)               # no target: the kernel says EFAULT before it checks capabilities
        call("keyctl", 250, 0, -3, 1)                   # KEYCTL_GET_KEYRING_ID of the session keyring, created if missing
        call("setns", 308, -1, 0)                       # no such fd: EBADF
        call("perf_event_open", 298, 0, 0, -1, -1, 0)   # no attributes: EFAULT
        print([line for line in open("/proc/self/status") if line.startswith("Seccomp:")][0].split()[1])
        """;

    private static Dictionary<string, string> Answers(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(' ', StringComparison.Ordinal))
            .Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public async Task Python_DeniedCallsThroughCtypes_AnswerEpermUnderTheFilter()
    {
        Assert.Equal(Architecture.X64, RuntimeInformation.ProcessArchitecture);

        var result = await SandboxCalls.PythonAsync(factory, Probe).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode() == 0, result.Stderr());
        var answers = Answers(result.Stdout());
        Assert.All(new[] { "ptrace", "unshare", "mount", "keyctl", "setns", "perf_event_open" }, call => Assert.Equal((call, "EPERM"), (call, answers[call])));
        // Seccomp mode 2: a filter is installed.
        Assert.EndsWith("2\n", result.Stdout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Python_SameCallsWithTheFilterOff_AnswerWhatTheKernelDecides()
    {
        await using var unfiltered = new ToolsFactory();
        unfiltered.WithSetting("Mesh:Tools:Sandbox:Seccomp", "false");

        var result = await SandboxCalls.PythonAsync(unfiltered, Probe).WaitAsync(TimeSpan.FromSeconds(60));

        var answers = Answers(result.Stdout());
        Assert.Null(unfiltered.Services.GetRequiredService<SandboxEnvironment>().Seccomp);
        Assert.Equal("ok", answers["ptrace"]);
        Assert.Equal("EFAULT", answers["mount"]);
        Assert.Equal("EBADF", answers["setns"]);
        Assert.Equal("EFAULT", answers["perf_event_open"]);
        Assert.NotEqual("EPERM", answers["unshare"]);
        Assert.EndsWith("0\n", result.Stdout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tools_UnderTheFilter_ThreadsProcessesAndFilesStillWork()
    {
        const string Code = """
            import subprocess, threading, tempfile, json
            out = []
            t = threading.Thread(target=lambda: out.append("thread"))
            t.start(); t.join()
            out.append(subprocess.run(["/bin/echo", "child"], capture_output=True, text=True).stdout.strip())
            with open("/workspace/note.txt", "w") as f: f.write("kept")
            with tempfile.TemporaryFile() as f: f.write(b"x")
            print(json.dumps(out))
            """;

        var python = await SandboxCalls.PythonAsync(factory, Code).WaitAsync(TimeSpan.FromSeconds(60));
        var shell = await SandboxCalls.ShellAsync(factory, "cat note.txt 2>/dev/null; ls / | wc -l; sh -c 'echo nested' | tr a-z A-Z").WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(python.ExitCode() == 0, python.Stderr());
        Assert.Equal("[\"thread\", \"child\"]\n", python.Stdout());
        Assert.Equal(0, shell.ExitCode());
        Assert.EndsWith("NESTED\n", shell.Stdout(), StringComparison.Ordinal);
    }
}
