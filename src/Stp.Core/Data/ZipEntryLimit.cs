using System.IO.Compression;

namespace Stp.Data;

/// <summary>
/// The declared (uncompressed) size of a zip entry is only a claim: deflate expands at most about 1032 to 1, so a larger
/// claim is a damaged or crafted archive, refused before anything is allocated for the entry.
/// </summary>
internal static class ZipEntryLimit
{
    /// <summary>Most that deflate expands data, with some margin.</summary>
    private const long MaxExpansion = 1100;

    /// <summary>Throws a <see cref="DataFileException"/> naming <paramref name="source"/> when the entry claims more than its compressed bytes can hold.</summary>
    public static void Check(ZipArchiveEntry entry, string source)
    {
        if (entry.Length > MaxExpansion * entry.CompressedLength + 1024)
            throw new DataFileException(source, $"the archive declares {entry.Length:N0} bytes for entry '{XyzFile.Trunc(entry.FullName)}' but holds only {entry.CompressedLength:N0} compressed bytes (damaged archive)");
    }
}
