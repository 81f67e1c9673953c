namespace Mesh.Testing;

public static class TestFolders
{
    /// <summary>
    /// Deletes a test's folder once whatever still writes into it has finished: a server writes its
    /// built-in models into its model root as it starts, and such a write may still be finishing
    /// when its host stops, so a single delete can meet a folder that is not empty yet.
    /// </summary>
    public static void Delete(string path)
    {
        for (var attempt = 1; Directory.Exists(path); attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(100);
            }
        }
    }
}
