using System.Runtime.InteropServices;

namespace Stp.Data.Npy;

/// <summary>
/// Streams the elements of one <c>.npy</c> array from a <see cref="Stream"/>, in its own dtype (float32 stays
/// float32), chunk by chunk: the file is never read whole, so arrays far beyond 2 GB (EDM's
/// <c>geom_drugs_30.npy</c>) can be processed row by row. When the stream's length is known (a file, a zip entry),
/// it must match the header exactly, so truncated files and header/shape mismatches are reported before any data is
/// read.
/// </summary>
/// <example><code>
/// using var r = NpyReader.Open("geom_drugs_30.npy");
/// var rows = new float[4096 * 5];
/// for (int n; (n = r.Read&lt;float&gt;(rows)) &gt; 0;) { /* n values, whole rows */ }
/// </code></example>
internal sealed class NpyReader : IDisposable
{
    /// <summary>Default bytes moved per read from the stream (4 MiB).</summary>
    public const int DefaultChunkBytes = 1 << 22;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private bool _disposed;

    /// <summary>Reads the header from the current position of <paramref name="stream"/>.</summary>
    /// <param name="stream">The array's bytes, positioned at its magic string.</param>
    /// <param name="source">Name used in error messages (a path, or "archive.npz:entry.npy").</param>
    /// <param name="length">Bytes of the array from its start, when known; null takes the rest of a seekable stream, or no check.</param>
    /// <param name="leaveOpen">Keep <paramref name="stream"/> open on <see cref="Dispose"/>.</param>
    /// <param name="chunkBytes">Most bytes asked of the stream at once (at least one element is always read).</param>
    /// <exception cref="DataFileException">Malformed or unsupported header, or a length that does not match it; the message names <paramref name="source"/>.</exception>
    public NpyReader(Stream stream, string source, long? length = null, bool leaveOpen = false, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("NpyReader needs a little-endian machine.");
        long? available = length ?? (stream.CanSeek ? stream.Length - stream.Position : null);
        _stream = stream; _leaveOpen = leaveOpen; Source = source; ChunkBytes = chunkBytes;
        Header = NpyHeader.Read(stream, source);
        if (available is long total) CheckLength(Header, total);
        _lengthChecked = available is not null;
    }

    private readonly bool _lengthChecked;

    /// <summary>Opens a <c>.npy</c> file for streaming.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DataFileException">Malformed, unsupported or truncated; the message names the file.</exception>
    public static NpyReader Open(string path, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($".npy file not found: {path}", path);
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        try { return new NpyReader(fs, path, fs.Length, leaveOpen: false, chunkBytes); }
        catch { fs.Dispose(); throw; }
    }

    /// <summary>The array's header (dtype, shape, offsets).</summary>
    public NpyHeader Header { get; }
    /// <summary>Name used in error messages.</summary>
    public string Source { get; }
    /// <summary>Most bytes asked of the stream at once.</summary>
    public int ChunkBytes { get; }
    /// <summary>Elements read so far.</summary>
    public long ElementsRead { get; private set; }
    /// <summary>Elements not read yet.</summary>
    public long ElementsRemaining => Header.Count - ElementsRead;

    /// <summary>
    /// Reads the next elements into <paramref name="destination"/> (as many as fit and remain) and returns how many;
    /// 0 at the end. <typeparamref name="T"/> must be the array's element type (<see cref="NpyDType.ClrType"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the array's element type.</exception>
    /// <exception cref="DataFileException">The data ends early (the message names the file and the byte offset).</exception>
    public int Read<T>(Span<T> destination) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (typeof(T) != Header.DType.ClrType)
            throw new InvalidOperationException($"{Source}: the array holds '{Header.DType}' ({Header.DType.ClrType.Name}); it cannot be read as {typeof(T).Name}.");
        int n = (int)Math.Min(destination.Length, ElementsRemaining);
        int perChunk = Math.Max(1, ChunkBytes / Header.DType.ItemSize);
        for (int done = 0; done < n;)
        {
            int k = Math.Min(perChunk, n - done);
            var bytes = MemoryMarshal.AsBytes(destination.Slice(done, k));
            int got = _stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (got < bytes.Length)
                throw new DataFileException(Source, $"data ends at byte {Header.OffsetOf(ElementsRead) + got}, but shape {Header.ShapeText} of '{Header.DType}' needs {Header.DataEnd} bytes (truncated file)");
            if (typeof(T) == typeof(bool))
                foreach (ref var b in bytes) b = b == 0 ? (byte)0 : (byte)1;
            ElementsRead += k; done += k;
        }
        return n;
    }

    /// <summary>Reads every remaining element into one array of <typeparamref name="T"/> (the array's element type).</summary>
    /// <exception cref="NotSupportedException">More elements than one .NET array holds: stream them with <see cref="Read{T}"/>.</exception>
    public T[] ReadAll<T>() where T : unmanaged
    {
        if (ElementsRemaining > Array.MaxLength)
            throw new NotSupportedException($"{Source}: {ElementsRemaining} elements do not fit in one in-memory array; stream the file in chunks instead.");
        if (_lengthChecked || ElementsRemaining * Header.DType.ItemSize <= ChunkBytes)
        {
            var values = new T[ElementsRemaining];
            Read<T>(values);
            return values;
        }
        // The stream's length is unknown, so the header's shape is only a claim: grow with the data actually read.
        var chunks = new List<T[]>();
        while (ElementsRemaining > 0)
        {
            var chunk = new T[Math.Min(ElementsRemaining, Math.Max(1, ChunkBytes / Header.DType.ItemSize))];
            Read<T>(chunk);
            chunks.Add(chunk);
        }
        return chunks.SelectMany(c => c).ToArray();
    }

    /// <summary>Reads the whole array into memory, in its own element type.</summary>
    /// <param name="name">The array's name (an npz entry without ".npy", or the file name).</param>
    public NpyArray ReadArray(string name)
    {
        Array data = (Header.DType.Kind, Header.DType.ItemSize) switch
        {
            ('b', _) => ReadAll<bool>(),
            ('i', 1) => ReadAll<sbyte>(),
            ('i', 2) => ReadAll<short>(),
            ('i', 4) => ReadAll<int>(),
            ('i', _) => ReadAll<long>(),
            ('u', 1) => ReadAll<byte>(),
            ('u', 2) => ReadAll<ushort>(),
            ('u', 4) => ReadAll<uint>(),
            ('u', _) => ReadAll<ulong>(),
            ('f', 2) => ReadAll<Half>(),
            ('f', 4) => ReadAll<float>(),
            _ => ReadAll<double>(),
        };
        return new NpyArray(name, Header.DType, Header.Shape, data);
    }

    /// <summary>Closes the stream unless it was opened with leaveOpen.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveOpen) _stream.Dispose();
    }

    /// <summary>Checks that <paramref name="length"/> bytes (from the start of the array) are exactly what the header describes.</summary>
    /// <exception cref="DataFileException">Shorter (truncated) or longer (header/shape mismatch) than the header says.</exception>
    internal static void CheckLength(NpyHeader header, long length)
    {
        if (length < header.DataEnd)
            throw new DataFileException(header.Source, $"holds {length - header.DataOffset} bytes of data, but shape {header.ShapeText} of '{header.DType}' needs {header.DataLength} (truncated file)");
        if (length > header.DataEnd)
            throw new DataFileException(header.Source, $"holds {length - header.DataOffset} bytes of data, but shape {header.ShapeText} of '{header.DType}' needs only {header.DataLength} (header and data do not match)");
    }
}
