using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Stp.Data;

namespace Stp.Backbones.Edm.IO;

/// <summary>
/// A validation pass over the pickle of a <c>torch.save</c> zip before it is unpickled: the opcodes are walked on a
/// stack of plain values (strings, integers, tuples, class names; nothing is constructed, no class is looked up), and
/// every storage the pickle asks for (<c>('storage', torch.FloatStorage, key, location, numel)</c>) must be an entry of
/// the archive holding exactly numel elements, and every tensor rebuilt from it
/// (<c>torch._utils._rebuild_tensor_v2(storage, offset, shape, stride, ...)</c>) must lie inside that storage. The
/// unpickler allocates what the pickle declares, so this pass is what bounds its allocations by the file's real size.
/// </summary>
internal sealed class TorchPickleScan
{
    private static readonly object Mark = new(), Opaque = new();

    private sealed record Global(string Name);

    private sealed record Storage(long Elements);

    private readonly ZipArchive _archive;
    private readonly string _source;
    private readonly byte[] _pickle;
    private readonly List<object?> _stack = new();
    private readonly Dictionary<long, object?> _memo = new();
    private int _at;

    private TorchPickleScan(ZipArchive archive, byte[] pickle, string source)
    {
        _archive = archive; _pickle = pickle; _source = source;
    }

    /// <summary>Checks the pickle entry of <paramref name="archive"/>; throws a <see cref="DataFileException"/> naming <paramref name="source"/>.</summary>
    public static void Check(ZipArchive archive, string source)
    {
        var entry = archive.Entries.FirstOrDefault(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal))
            ?? throw new DataFileException(source, "a zip file without data.pkl (not a torch.save state dict)");
        ZipEntryLimit.Check(entry, source);
        if (entry.Length > 64L << 20) throw new DataFileException(source, $"implausible data.pkl of {entry.Length:N0} bytes");
        var pickle = new byte[entry.Length];
        using (var s = entry.Open())
            if (s.ReadAtLeast(pickle, pickle.Length, throwOnEndOfStream: false) < pickle.Length)
                throw new DataFileException(source, "data.pkl is truncated");
        new TorchPickleScan(archive, pickle, source).Run();
    }

    private DataFileException Bad(string problem) => new(_source, $"data.pkl, byte {_at}: {problem}");

    private void Run()
    {
        while (true)
        {
            if (_at >= _pickle.Length) throw Bad("the pickle ends without STOP (truncated)");
            byte op = _pickle[_at++];
            switch (op)
            {
                case 0x80: Take(1); break;                                   // PROTO
                case 0x95: Take(8); break;                                   // FRAME
                case (byte)'.': return;                                      // STOP
                case (byte)'c': Push(new Global(Line() + "." + Line())); break; // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(new Global($"{module}.{name}")); break; } // STACK_GLOBAL
                case (byte)'X': Push(Text(Length(4))); break;                // BINUNICODE
                case 0x8c: Push(Text(Length(1))); break;                     // SHORT_BINUNICODE
                case 0x8d: Push(Text(Length(8))); break;                     // BINUNICODE8
                case (byte)'T': Push(Text(Length(4))); break;                // BINSTRING
                case (byte)'U': Push(Text(Length(1))); break;                // SHORT_BINSTRING
                case (byte)'B': Take(Length(4)); Push(Opaque); break;        // BINBYTES
                case (byte)'C': Take(Length(1)); Push(Opaque); break;        // SHORT_BINBYTES
                case 0x8e: case 0x96: Take(Length(8)); Push(Opaque); break;  // BINBYTES8, BYTEARRAY8
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case (byte)'K': Push((long)Take(1)[0]); break;              // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case 0x8a: Push(Long(Take(Length(1)))); break;               // LONG1
                case 0x8b: Push(Long(Take(Length(4)))); break;               // LONG4
                case (byte)'G': Take(8); Push(Opaque); break;                // BINFLOAT
                case (byte)'N': Push(null); break;                           // NONE
                case 0x88: case 0x89: Push(Opaque); break;                   // NEWTRUE, NEWFALSE
                case (byte)'}': case (byte)']': case 0x8f: Push(Opaque); break; // EMPTY_DICT, EMPTY_LIST, EMPTY_SET
                case (byte)')': Push(Array.Empty<object?>()); break;         // EMPTY_TUPLE
                case (byte)'(': Push(Mark); break;                           // MARK
                case (byte)'t': Push(PopToMark()); break;                    // TUPLE
                case 0x85: Push(PopMany(1)); break;                          // TUPLE1
                case 0x86: Push(PopMany(2)); break;                          // TUPLE2
                case 0x87: Push(PopMany(3)); break;                          // TUPLE3
                case (byte)'q': _memo[Take(1)[0]] = Top(); break;            // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Top(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Top(); break;                // MEMOIZE
                case (byte)'h': Push(Memo(Take(1)[0])); break;               // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                case (byte)'p': _memo[Integer(Line())] = Top(); break;       // PUT
                case (byte)'g': Push(Memo(Integer(Line()))); break;          // GET
                case (byte)'s': PopMany(2); Top(); break;                    // SETITEM
                case (byte)'u': case (byte)'e': case 0x90: PopToMark(); Top(); break; // SETITEMS, APPENDS, ADDITEMS
                case (byte)'a': Pop(); Top(); break;                         // APPEND
                case (byte)'d': case (byte)'l': case 0x91: case (byte)'o': PopToMark(); Push(Opaque); break; // DICT, LIST, FROZENSET, OBJ
                case (byte)'i': Line(); Line(); PopToMark(); Push(Opaque); break; // INST
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Reduce(callable, args)); break; } // REDUCE
                case (byte)'b': Pop(); Top(); break;                         // BUILD
                case 0x81: PopMany(2); Push(Opaque); break;                  // NEWOBJ
                case 0x92: PopMany(3); Push(Opaque); break;                  // NEWOBJ_EX
                case (byte)'Q': Push(PersistentStorage(Pop())); break;       // BINPERSID
                case (byte)'P': Line(); Push(Opaque); break;                 // PERSID
                case (byte)'0': Pop(); break;                                // POP
                case (byte)'1': PopToMark(); break;                          // POP_MARK
                case (byte)'2': Push(Top()); break;                          // DUP
                case (byte)'I': case (byte)'L': { var t = Line().TrimEnd('L'); Push(long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : Opaque); break; } // INT, LONG
                case (byte)'S': case (byte)'V': Push(Line()); break;        // STRING, UNICODE
                case (byte)'F': Line(); Push(Opaque); break;                 // FLOAT
                case 0x82: Take(1); Push(Opaque); break;                     // EXT1
                case 0x83: Take(2); Push(Opaque); break;                     // EXT2
                case 0x84: Take(4); Push(Opaque); break;                     // EXT4
                default: _at--; throw Bad($"unsupported pickle opcode 0x{op:x2}");
            }
        }
    }

    /// <summary>A storage reference: the archive must hold its data, exactly numel elements of its type.</summary>
    private Storage PersistentStorage(object? pid)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage" || t[1] is not Global type || t[2] is not string key || t[4] is not long numel)
            throw Bad("a persistent id that is not a torch storage");
        int size = type.Name[(type.Name.LastIndexOf('.') + 1)..] switch
        {
            "DoubleStorage" or "LongStorage" or "ComplexFloatStorage" => 8,
            "FloatStorage" or "IntStorage" => 4,
            "HalfStorage" or "ShortStorage" or "BFloat16Storage" => 2,
            "CharStorage" or "ByteStorage" or "BoolStorage" => 1,
            "ComplexDoubleStorage" => 16,
            _ => throw Bad($"unsupported storage type '{XyzFile.Trunc(type.Name)}'"),
        };
        var entry = _archive.Entries.FirstOrDefault(e => e.FullName.EndsWith($"data/{key}", StringComparison.Ordinal))
            ?? throw Bad($"storage '{XyzFile.Trunc(key)}' is not in the archive");
        ZipEntryLimit.Check(entry, _source);
        if (numel < 0 || numel > entry.Length / size || numel * size != entry.Length)
            throw Bad($"storage '{XyzFile.Trunc(key)}' declares {numel} elements of {size} bytes, the archive holds {entry.Length:N0} bytes");
        return new Storage(numel);
    }

    /// <summary>A call: a tensor rebuilt from a storage must lie inside it; any other call gives an opaque value.</summary>
    private object Reduce(object? callable, object? args)
    {
        if (callable is not Global { Name: "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor" }) return Opaque;
        if (args is not object?[] { Length: >= 4 } a || a[0] is not Storage storage || a[1] is not long offset
            || a[2] is not object?[] shape || a[3] is not object?[] stride || shape.Length != stride.Length || shape.Length > 16
            || shape.Any(d => !(d is long and >= 0L)) || stride.Any(d => !(d is long and >= 0L)))
            throw Bad("a tensor whose storage, offset, shape or stride cannot be read");
        // The last element a strided view reaches must lie inside the storage (an empty tensor reaches none).
        long last = offset;
        for (int i = 0; i < shape.Length; i++)
        {
            long n = (long)shape[i]!, s = (long)stride[i]!;
            if (n == 0) return Opaque;
            if (n - 1 > (long.MaxValue - last) / Math.Max(1, s)) throw Bad("a tensor larger than any storage");
            last += (n - 1) * s;
        }
        if (offset < 0 || last >= storage.Elements) throw Bad($"a tensor of shape ({string.Join(", ", shape)}) reaches element {last} of a storage of {storage.Elements}");
        return Opaque;
    }

    private void Push(object? value) => _stack.Add(value);

    private object? Top() => _stack.Count > 0 ? _stack[^1] : throw Bad("stack underflow");

    private object? Pop()
    {
        var v = Top();
        _stack.RemoveAt(_stack.Count - 1);
        if (ReferenceEquals(v, Mark)) throw Bad("unexpected mark");
        return v;
    }

    private object?[] PopMany(int n)
    {
        var items = new object?[n];
        for (int i = n - 1; i >= 0; i--) items[i] = Pop();
        return items;
    }

    private object?[] PopToMark()
    {
        int mark = _stack.FindLastIndex(v => ReferenceEquals(v, Mark));
        if (mark < 0) throw Bad("no mark on the stack");
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private object? Memo(long index) => _memo.TryGetValue(index, out var v) ? v : throw Bad($"memo entry {index} was never stored");

    private ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > _pickle.Length - _at) throw Bad("the pickle ends inside an opcode (truncated)");
        var span = _pickle.AsSpan(_at, (int)n);
        _at += (int)n;
        return span;
    }

    private long Length(int bytes)
    {
        var b = Take(bytes);
        return bytes switch
        {
            1 => b[0],
            4 => BinaryPrimitives.ReadInt32LittleEndian(b),
            _ => BinaryPrimitives.ReadInt64LittleEndian(b),
        };
    }

    private string Text(long length) => Encoding.UTF8.GetString(Take(length));

    private string Line()
    {
        int end = Array.IndexOf(_pickle, (byte)'\n', _at);
        if (end < 0) throw Bad("the pickle ends inside a text argument (truncated)");
        var text = Encoding.Latin1.GetString(_pickle, _at, end - _at);
        _at = end + 1;
        return text;
    }

    private long Integer(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw Bad($"bad memo index '{XyzFile.Trunc(text)}'");

    private static object Long(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 8) return Opaque;
        long v = bytes.Length > 0 && (bytes[^1] & 0x80) != 0 ? -1 : 0;
        for (int i = bytes.Length - 1; i >= 0; i--) v = (v << 8) | bytes[i];
        return v;
    }
}
