using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Runtime;

/// <summary>
/// Tensor arithmetic with .NET numbers that keeps the number's native <see cref="Scalar"/> alive during the call.
/// TorchSharp 0.107 turns every number passed to a tensor operation (<c>x * 0.5</c>, <c>add_(y)</c>'s implicit
/// alpha = 1, <c>index_add(..., 1)</c>, <c>pow(2)</c>, <c>clamp_min(1)</c>) into a temporary Scalar with a finalizer and
/// reads its handle without keeping the object reachable: when a garbage collection runs during the native call, the
/// finalizer thread frees the Scalar while libtorch reads it ("Expected false to be true ... toFloat at
/// c10/core/Scalar.h:140", or "Unknown scalar type"). This was the intermittent native crash in long sampling runs.
/// Every hot path of the library goes through these helpers (a rooted constant or a <c>using</c> local per call).
/// </summary>
internal static class ScalarOps
{
    /// <summary>A rooted 1 (never finalized).</summary>
    public static Scalar One { get; } = 1.ToScalar();

    /// <summary>t * v.</summary>
    public static Tensor Times(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.mul(s);
    }

    /// <summary>t / v.</summary>
    public static Tensor DividedBy(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.div(s);
    }

    /// <summary>t + v.</summary>
    public static Tensor Plus(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.add(s, One);
    }

    /// <summary>t + other (TorchSharp's <c>+</c> passes a temporary alpha = 1).</summary>
    public static Tensor Plus(this Tensor t, Tensor other) => t.add(other, One);

    /// <summary>t * t (TorchSharp's <c>square()</c> is <c>pow(2)</c> with a temporary Scalar).</summary>
    public static Tensor Squared(this Tensor t) => t.mul(t);

    /// <summary>t + alpha * other.</summary>
    public static Tensor PlusScaled(this Tensor t, Tensor other, double alpha)
    {
        using var s = alpha.ToScalar();
        return t.add(other, s);
    }

    /// <summary>t += other, in place.</summary>
    public static Tensor AddInPlace(this Tensor t, Tensor other) => t.add_(other, One);

    /// <summary>t += alpha * other, in place.</summary>
    public static Tensor AddScaledInPlace(this Tensor t, Tensor other, double alpha)
    {
        using var s = alpha.ToScalar();
        return t.add_(other, s);
    }

    /// <summary>t *= v, in place.</summary>
    public static Tensor TimesInPlace(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.mul_(s);
    }

    /// <summary>t.index_add(dim, index, source) with alpha 1.</summary>
    public static Tensor IndexAdd(this Tensor t, long dim, Tensor index, Tensor source) => t.index_add(dim, index, source, One);

    /// <summary>max(t, v).</summary>
    public static Tensor AtLeast(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.clamp_min(s);
    }

    /// <summary>A tensor of shape [n] filled with <paramref name="value"/>.</summary>
    public static Tensor Filled(long n, double value, ScalarType dtype, Device device)
    {
        using var s = value.ToScalar();
        return full(new[] { n }, s, dtype, device: device);
    }
}
