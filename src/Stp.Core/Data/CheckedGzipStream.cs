using System.Buffers.Binary;
using System.IO.Compression;

namespace Stp.Data;

/// <summary>
/// Gzip decompression that notices truncation: .NET's GZipStream ends quietly when the compressed data stops early, so
/// at the end of the data the CRC-32 and length of what was decompressed are compared with the gzip trailer (the last
/// 8 bytes of the file). A mismatch is a <see cref="DataFileException"/> naming the file. Single-member gzip
/// files are checked this way (multi-member files fail the check and are reported as such).
/// </summary>
internal sealed class CheckedGzipStream : Stream
{
    private static readonly uint[] Table = BuildTable();
    private readonly GZipStream _inner;
    private readonly string _path;
    private readonly uint _expectedCrc, _expectedSize;
    private readonly bool _hasTrailer;
    private uint _crc = 0xFFFFFFFF;
    private long _length;
    private bool _checked;

    public CheckedGzipStream(Stream file, string path)
    {
        _path = path;
        if (file.CanSeek && file.Length >= 18)
        {
            Span<byte> trailer = stackalloc byte[8];
            file.Seek(-8, SeekOrigin.End);
            file.ReadExactly(trailer);
            file.Seek(0, SeekOrigin.Begin);
            _expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            _expectedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
            _hasTrailer = true;
        }
        else if (file.CanSeek)
        {
            throw new DataFileException(path, $"not a gzip file (only {file.Length} bytes)");
        }
        _inner = new GZipStream(file, CompressionMode.Decompress);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        try { n = _inner.Read(buffer); }
        catch (InvalidDataException e)
        {
            throw new DataFileException(_path, $"corrupt gzip data after {_length:N0} decompressed bytes (not a gzip file, or damaged)", inner: e);
        }
        if (n > 0)
        {
            uint crc = _crc;
            foreach (var b in buffer[..n]) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            _crc = crc;
            _length += n;
        }
        else if (!_checked && buffer.Length > 0)
        {
            _checked = true;
            if (_hasTrailer && ((_crc ^ 0xFFFFFFFF) != _expectedCrc || (uint)_length != _expectedSize))
                throw new DataFileException(_path, $"truncated or corrupt: the decompressed data ({_length:N0} bytes) does not match the gzip trailer (a multi-member gzip file is not supported either)");
        }
        return n;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
