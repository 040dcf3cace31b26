namespace Stp.Data;

/// <summary>Writes files atomically: to a temporary file in the same folder, then renamed over the target.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; the target never holds a half-written file.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        CleanStale(dir, full);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                write(fs);
                fs.Flush(true);
            }
            File.Move(tmp, full, overwrite: true);
            SyncDirectory(dir);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Deletes temporary files of this naming pattern for <paramref name="full"/> left by a killed process (older than 10 minutes).</summary>
    private static void CleanStale(string dir, string full)
    {
        try
        {
            foreach (var f in Directory.EnumerateFiles(dir, "." + Path.GetFileName(full) + ".*.tmp"))
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(f) > TimeSpan.FromMinutes(10)) File.Delete(f);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Flushes the directory entry of the rename to disk.</summary>
    private static void SyncDirectory(string dir) => Runtime.DirectorySync.Flush(dir);

    /// <summary>Writes text atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true); w.Write(text); });
}
