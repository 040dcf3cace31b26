using System.Collections.Concurrent;
using Stp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Randomness;

/// <summary>
/// <see cref="CounterRandom"/> as int64 tensor operations, so that noise is generated where it is used (a GPU) instead
/// of on the host and copied every step. Unsigned 64-bit arithmetic is emulated on int64: addition and multiplication
/// wrap to the same low 64 bits for signed and unsigned operands, xor is bitwise, and a logical right shift by k is the
/// arithmetic shift masked to its low 64 - k bits. Every value equals the host generator's: the hashes and uniforms
/// bit for bit (the uniforms are formed with the same IEEE float64 operations), the normals to float32 rounding (the
/// float64 log, cos and sin of libtorch may differ from .NET's in the last bit, which float32 rounding absorbs except
/// in rare ties). Keys are per molecule, so a molecule's noise stays independent of its batch.
/// </summary>
internal static class CounterRandomTensors
{
    // Rooted scalars (TorchSharp's temporary Scalars can be finalised during a native call, see ScalarOps).
    private static readonly Scalar GoldenScalar = Signed(CounterRandom.Golden).ToScalar();
    private static readonly Scalar Multiplier1 = Signed(CounterRandom.MixMultiplier1).ToScalar();
    private static readonly Scalar Multiplier2 = Signed(CounterRandom.MixMultiplier2).ToScalar();
    private static readonly Scalar StreamMultiplier = Signed(CounterRandom.StreamMultiplier).ToScalar();
    private static readonly Scalar Half = 0.5.ToScalar();
    private static readonly Scalar UnitScale = CounterRandom.UnitScale.ToScalar();
    private static readonly Scalar MinusTwo = (-2.0).ToScalar();
    private static readonly Scalar TwoPi = (2.0 * Math.PI).ToScalar();

    private static readonly ConcurrentDictionary<string, ShiftConstants> Constants = new(StringComparer.Ordinal);

    /// <summary>The bits of an unsigned value in an int64.</summary>
    internal static long Signed(ulong value) => unchecked((long)value);

    /// <summary>SplitMix64's finaliser of every element of an int64 tensor (a new tensor).</summary>
    public static Tensor Mix(Tensor z)
    {
        var c = ConstantsOn(z.device);
        var a = z.add(GoldenScalar, ScalarOps.One);
        XorShiftRight(a, 30, c).mul_(Multiplier1);
        XorShiftRight(a, 27, c).mul_(Multiplier2);
        return XorShiftRight(a, 31, c);
    }

    /// <summary>
    /// [B] int64: the step-independent part of the key of every stream (<see cref="CounterRandom.StreamKey"/>), a
    /// per-batch constant.
    /// </summary>
    public static Tensor StreamKeys(long seed, Tensor streams)
    {
        using var scope = NewDisposeScope();
        var mixedSeed = Filled(Signed(CounterRandom.Mix((ulong)seed)), streams.device);
        var keys = Mix(streams.mul(StreamMultiplier).bitwise_xor_(mixedSeed));
        return keys.MoveToOuterDisposeScope();
    }

    /// <summary>[B] int64: the key of every stream for (<paramref name="domain"/>, step) (<see cref="CounterRandom.Key"/>).</summary>
    public static Tensor Keys(RandomDomain domain, Tensor streamKeys, long step)
    {
        using var scope = NewDisposeScope();
        var key = Mix(streamKeys.bitwise_xor(Filled(Signed(CounterRandom.StepTerm(step)), streamKeys.device)));
        if (CounterRandom.DomainTerm(domain) is { } tag) key = Mix(key.bitwise_xor_(Filled(Signed(tag), streamKeys.device)));
        return key.MoveToOuterDisposeScope();
    }

    /// <summary>[count] int64: the hashes Mix(0), ..., Mix(count - 1) of the element indices (a per-shape constant).</summary>
    public static Tensor IndexHashes(long count, Device device)
    {
        using var stop = count.ToScalar();
        using var indices = arange(stop, ScalarType.Int64, device);
        return Mix(indices);
    }

    /// <summary>
    /// [B, K] float64: the uniform in (0, 1) of every (stream key, index hash) pair, bit-equal to
    /// <see cref="CounterRandom.Uniform"/> with the index whose hash is <paramref name="indexHashes"/>[k].
    /// </summary>
    public static Tensor Uniform(Tensor keys, Tensor indexHashes)
    {
        using var scope = NewDisposeScope();
        return ToUnit(Mix(keys.unsqueeze(1).bitwise_xor(indexHashes.unsqueeze(0)))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B, count] float32 standard normals, row i equal to <see cref="CounterRandom.FillNormal"/> of a span of
    /// <paramref name="count"/> values with key <paramref name="keys"/>[i] (to float32 rounding).
    /// <paramref name="indexHashes"/> is <see cref="IndexHashes"/> of at least count rounded up to even.
    /// </summary>
    public static Tensor Normal(Tensor keys, Tensor indexHashes, long count)
    {
        long pairs = (count + 1) / 2, b = keys.shape[0];
        if (indexHashes.shape[0] < 2 * pairs)
            throw new ArgumentException($"{indexHashes.shape[0]} index hashes for {count} values (need {2 * pairs}).", nameof(indexHashes));
        using var scope = NewDisposeScope();
        var u = Uniform(keys, indexHashes.narrow(0, 0, 2 * pairs)).view(b, pairs, 2);
        // Box-Muller as the host computes it: r = sqrt(-2 log u1), a = (2 pi) u2, (r cos a, r sin a) rounded to float32.
        var r = u.select(2, 0).log().mul_(MinusTwo).sqrt_();
        var a = u.select(2, 1).mul(TwoPi);
        var values = stack(new[] { r * a.cos(), r * a.sin() }, 2).view(b, 2 * pairs).narrow(1, 0, count);
        return values.to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>((bits &gt;&gt;&gt; 11) + 0.5) * 2^-53 in float64, as <see cref="CounterRandom.ToUnit"/>.</summary>
    private static Tensor ToUnit(Tensor bits)
    {
        using var top = ShiftRightLogical(bits, 11, ConstantsOn(bits.device));
        return top.to(ScalarType.Float64).add_(Half, ScalarOps.One).mul_(UnitScale);
    }

    /// <summary>a ^= a &gt;&gt;&gt; k, in place; returns a.</summary>
    private static Tensor XorShiftRight(Tensor a, int k, ShiftConstants c)
    {
        using var shifted = ShiftRightLogical(a, k, c);
        return a.bitwise_xor_(shifted);
    }

    /// <summary>The logical right shift of every element: the arithmetic shift, masked to the low 64 - k bits.</summary>
    private static Tensor ShiftRightLogical(Tensor a, int k, ShiftConstants c)
    {
        var (amount, mask) = c.Shift(k);
        var shifted = a.bitwise_right_shift(amount);
        return shifted.bitwise_and_(mask);
    }

    /// <summary>A 0-dim int64 tensor on <paramref name="device"/> (a fill on the device, no host-to-device copy).</summary>
    private static Tensor Filled(long value, Device device)
    {
        using var s = value.ToScalar();
        return full(Array.Empty<long>(), s, ScalarType.Int64, device: device);
    }

    private static ShiftConstants ConstantsOn(Device device) => Constants.GetOrAdd(device.ToString(), _ => new ShiftConstants(device));

    /// <summary>The shift amounts and masks on one device (0-dim int64 tensors, created once, never disposed).</summary>
    private sealed class ShiftConstants
    {
        private readonly Dictionary<int, (Tensor Amount, Tensor Mask)> _shifts = new();

        public ShiftConstants(Device device)
        {
            foreach (var k in new[] { 11, 27, 30, 31 })
            {
                var amount = Filled(k, device).DetachFromDisposeScope();
                var mask = Filled(Signed(ulong.MaxValue >> k), device).DetachFromDisposeScope();
                _shifts[k] = (amount, mask);
            }
        }

        public (Tensor Amount, Tensor Mask) Shift(int k) => _shifts[k];
    }
}
