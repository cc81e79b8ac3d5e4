namespace Cordon.Storage;

/// <summary>
/// Cordon's files are its owner's alone: directories 0700, files 0600. SQLite gives its -wal and -shm files the mode of
/// the database file, so creating that file 0600 before SQLite opens it is enough for all three.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> (and its missing parents) 0700; an existing directory is left as it is.</summary>
    public static void EnsureDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, DirectoryMode);
        }
    }

    /// <summary>
    /// Creates a data directory 0700. One that already holds Cordon's files (a data directory from an older Cordon) loses
    /// group and other access, and so do its files; a directory that is not Cordon's own is never changed.
    /// </summary>
    public static void EnsureDataDirectory(string path)
    {
        EnsureDirectory(path);
        if (OperatingSystem.IsWindows() || !File.Exists(Path.Combine(path, "keys.json")))
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & ~DirectoryMode) != 0)
        {
            File.SetUnixFileMode(path, mode & DirectoryMode);
        }

        foreach (var file in Directory.EnumerateFiles(path))
        {
            Tighten(file);
        }
    }

    /// <summary>Creates an empty file 0600 when none is there; takes group and other access away from an existing one.</summary>
    public static void EnsureFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!File.Exists(path))
        {
            var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode };
            try
            {
                using var created = new FileStream(path, options);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Created meanwhile by another process: tightened below like any existing file.
            }
        }

        Tighten(path);
    }

    /// <summary>Takes group and other access away from an existing file.</summary>
    public static void Tighten(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & ~FileMode) != 0)
        {
            File.SetUnixFileMode(path, mode & FileMode);
        }
    }
}
