namespace Mesh.Tools.Tests.Sandbox;

/// <summary>Processes on this machine whose command line holds a marker (a sandboxed program's argv[0]).</summary>
public static class HostProcesses
{
    public static int CountWith(string marker)
    {
        var count = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(marker, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // exited while we looked
            }
            catch (UnauthorizedAccessException)
            {
                // not ours to read
            }
        }

        return count;
    }
}
