namespace Stp.Data.Npy;

/// <summary>One array of a NumPy <c>.npy</c>/<c>.npz</c> file: its shape and its values widened to double.</summary>
/// <param name="Name">Array name (the npz entry without ".npy").</param>
/// <param name="Shape">Shape in C order.</param>
/// <param name="Data">Values in C order, converted to double (bool as 0/1).</param>
/// <param name="DType">NumPy dtype descriptor, e.g. "&lt;f4".</param>
public sealed record NpyArray(string Name, int[] Shape, double[] Data, string DType)
{
    /// <summary>Number of elements.</summary>
    public long Length => Data.LongLength;

    /// <summary>Values as float32.</summary>
    public float[] ToFloat() => Array.ConvertAll(Data, v => (float)v);

    /// <summary>Values as int64.</summary>
    public long[] ToInt64() => Array.ConvertAll(Data, v => (long)v);
}
