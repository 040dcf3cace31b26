using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Data.Npy;

/// <summary>
/// One array of a <c>.npy</c>/<c>.npz</c> file held in memory in its own element type (float32 stays float32):
/// name, dtype, shape and values in C order.
/// </summary>
internal sealed class NpyArray
{
    /// <summary>Creates an array; <paramref name="data"/> must be a one-dimensional array of the dtype's element type, shape-sized.</summary>
    public NpyArray(string name, NpyDType dtype, long[] shape, Array data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetType().GetElementType() != dtype.ClrType || data.Rank != 1)
            throw new ArgumentException($"Array '{name}': data is {data.GetType().Name}, dtype '{dtype}' needs {dtype.ClrType.Name}[].", nameof(data));
        long count = shape.Aggregate(1L, (a, d) => checked(a * d));
        if (data.LongLength != count)
            throw new ArgumentException($"Array '{name}': {data.LongLength} values for shape {NpyHeader.FormatShape(shape)}.", nameof(data));
        Name = name; DType = dtype; Shape = shape; Data = data;
    }

    /// <summary>Array name (the npz entry without ".npy", or the file name without extension).</summary>
    public string Name { get; }
    /// <summary>Element type as stored.</summary>
    public NpyDType DType { get; }
    /// <summary>Shape in C order (empty for a scalar).</summary>
    public long[] Shape { get; }
    /// <summary>Values in C order, as a <c>T[]</c> of the dtype's element type (<see cref="NpyDType.ClrType"/>).</summary>
    public Array Data { get; }
    /// <summary>Number of elements.</summary>
    public long Length => Data.LongLength;

    /// <summary>The values as stored, without a copy; <typeparamref name="T"/> must be the element type.</summary>
    /// <exception cref="InvalidCastException">The array holds another element type.</exception>
    public T[] Values<T>() where T : unmanaged => typeof(T) == DType.ClrType ? (T[])Data
        : throw new InvalidCastException($"Array '{Name}' holds '{DType}' ({DType.ClrType.Name}), not {typeof(T).Name}.");

    /// <summary>Values as float64 (bool as 0/1). A float64 array is returned itself, not copied.</summary>
    public double[] ToDouble() => Convert<double>();

    /// <summary>Values as float32 (bool as 0/1). A float32 array is returned itself, not copied.</summary>
    public float[] ToFloat() => Convert<float>();

    /// <summary>Values as int64 (floats truncated towards zero, bool as 0/1). An int64 array is returned itself.</summary>
    public long[] ToInt64() => Convert<long>();

    /// <summary>Values converted to <typeparamref name="T"/> (truncating, as NumPy's <c>astype</c>); the array itself when the type already matches.</summary>
    /// <remarks>Dispatches on <see cref="DType"/>, not on the runtime array type: the CLR lets a <c>uint[]</c> pass as an <c>int[]</c>.</remarks>
    public T[] Convert<T>() where T : struct, INumberBase<T>
    {
        if (typeof(T) == DType.ClrType) return (T[])Data;
        return (DType.Kind, DType.ItemSize) switch
        {
            ('b', _) => Array.ConvertAll((bool[])Data, v => v ? T.One : T.Zero),
            ('i', 1) => Cast<sbyte, T>((sbyte[])Data),
            ('i', 2) => Cast<short, T>((short[])Data),
            ('i', 4) => Cast<int, T>((int[])Data),
            ('i', _) => Cast<long, T>((long[])Data),
            ('u', 1) => Cast<byte, T>((byte[])Data),
            ('u', 2) => Cast<ushort, T>((ushort[])Data),
            ('u', 4) => Cast<uint, T>((uint[])Data),
            ('u', _) => Cast<ulong, T>((ulong[])Data),
            ('f', 2) => Cast<Half, T>((Half[])Data),
            ('f', 4) => Cast<float, T>((float[])Data),
            _ => Cast<double, T>((double[])Data),
        };
    }

    /// <summary>
    /// A CPU tensor of the same shape and dtype; uint16/uint32 widen to int32/int64 (torch has no such dtypes), uint64
    /// converts to int64 and fails on values above <see cref="long.MaxValue"/>.
    /// </summary>
    /// <exception cref="OverflowException">A uint64 value above <see cref="long.MaxValue"/>.</exception>
    public Tensor ToTensor() => (DType.Kind, DType.ItemSize) switch
    {
        ('b', _) => torch.tensor((bool[])Data, Shape),
        ('i', 1) => torch.tensor((sbyte[])Data, Shape),
        ('i', 2) => torch.tensor((short[])Data, Shape),
        ('i', 4) => torch.tensor((int[])Data, Shape),
        ('i', _) => torch.tensor((long[])Data, Shape),
        ('u', 1) => torch.tensor((byte[])Data, Shape),
        ('u', 2) => torch.tensor(Convert<int>(), Shape),
        ('u', 4) => torch.tensor(Convert<long>(), Shape),
        ('u', _) => torch.tensor(Array.ConvertAll((ulong[])Data, v => checked((long)v)), Shape),
        ('f', 2) => torch.tensor(Convert<float>(), Shape).to(ScalarType.Float16),
        ('f', 4) => torch.tensor((float[])Data, Shape),
        _ => torch.tensor((double[])Data, Shape),
    };

    private static TTo[] Cast<TFrom, TTo>(TFrom[] values) where TFrom : INumberBase<TFrom> where TTo : INumberBase<TTo> =>
        Array.ConvertAll(values, v => TTo.CreateTruncating(v));
}
