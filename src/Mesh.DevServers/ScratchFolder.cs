namespace Mesh.DevServers;

/// <summary>Where local servers for tests and benchmarks keep their throwaway data.</summary>
public static class ScratchFolder
{
    /// <summary>
    /// A RAM disk when the machine has one with room to spare, else the temp folder. Servers
    /// that create and delete many files (ClickHouse 18.16 writes every column of every insert
    /// and merge as files of their own) spend more CPU on ext4's inode work than on the data.
    /// </summary>
    public static string Root()
    {
        const long Room = 2L << 30;
        const string RamDisk = "/dev/shm";
        try
        {
            return Directory.Exists(RamDisk) && new DriveInfo(RamDisk).AvailableFreeSpace >= Room ? RamDisk : Path.GetTempPath();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Path.GetTempPath();
        }
    }
}
