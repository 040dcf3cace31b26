namespace Stp.Randomness;

/// <summary>
/// A counter-based random generator: every value is a pure function of (domain, seed, stream, step, index), so the
/// noise of a molecule does not depend on its batch, its padding, the device or the order of calls. This makes
/// sampling batch-invariant and training resumable from a step number alone. SplitMix64 hashing + Box-Muller.
/// Each <see cref="RandomDomain"/> is its own namespace: draws of different domains never coincide by construction
/// (the size draws of a run cannot repeat a molecule's noise, as they did when all uses shared one key space).
/// <see cref="CounterRandomTensors"/> computes the same values with tensor operations on any device.
/// </summary>
internal static class CounterRandom
{
    internal const ulong Golden = 0x9E3779B97F4A7C15UL;
    internal const ulong MixMultiplier1 = 0xBF58476D1CE4E5B9UL;
    internal const ulong MixMultiplier2 = 0x94D049BB133111EBUL;
    internal const ulong StreamMultiplier = 0xD1B54A32D192ED03UL;
    internal const ulong StepMultiplier = 0xABC98388FB8FAC03UL;

    /// <summary>The SplitMix64 finaliser (the hash every value goes through).</summary>
    internal static ulong Mix(ulong z)
    {
        z += Golden;
        z = (z ^ (z >> 30)) * MixMultiplier1;
        z = (z ^ (z >> 27)) * MixMultiplier2;
        return z ^ (z >> 31);
    }

    /// <summary>The part of a key that depends on (seed, stream) only.</summary>
    internal static ulong StreamKey(long seed, long stream) => Mix(Mix((ulong)seed) ^ (ulong)stream * StreamMultiplier);

    /// <summary>The value the stream key is xor-ed with at <paramref name="step"/>.</summary>
    internal static ulong StepTerm(long step) => (ulong)step * StepMultiplier;

    /// <summary>The value a key of <paramref name="domain"/> is xor-ed with (none for <see cref="RandomDomain.Sampling"/>).</summary>
    internal static ulong? DomainTerm(RandomDomain domain) => domain == RandomDomain.Sampling ? null : Mix(0x5354_5000UL + (ulong)domain);

    // The sampling domain keeps the key of the first release, so a model samples the same molecules for the same seed
    // as before; every other domain hashes its tag into the key.
    internal static ulong Key(RandomDomain domain, long seed, long stream, long step)
    {
        ulong key = Mix(StreamKey(seed, stream) ^ StepTerm(step));
        return DomainTerm(domain) is { } tag ? Mix(key ^ tag) : key;
    }

    /// <summary>53 random bits as a double in (0, 1).</summary>
    internal static double ToUnit(ulong bits) => ((bits >> 11) + 0.5) * UnitScale;

    internal const double UnitScale = 1.0 / (1UL << 53);

    /// <summary>Uniform in (0, 1) for one counter.</summary>
    public static double Uniform(RandomDomain domain, long seed, long stream, long step, long index) =>
        ToUnit(Mix(Key(domain, seed, stream, step) ^ Mix((ulong)index)));

    /// <summary>Fills <paramref name="destination"/> with standard normal values for (domain, seed, stream, step).</summary>
    public static void FillNormal(Span<float> destination, RandomDomain domain, long seed, long stream, long step)
    {
        ulong key = Key(domain, seed, stream, step);
        for (int i = 0; i < destination.Length; i += 2)
        {
            ulong pair = (ulong)(i >> 1);
            double u1 = ToUnit(Mix(key ^ Mix(2 * pair)));
            double u2 = ToUnit(Mix(key ^ Mix(2 * pair + 1)));
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            double a = 2.0 * Math.PI * u2;
            destination[i] = (float)(r * Math.Cos(a));
            if (i + 1 < destination.Length) destination[i + 1] = (float)(r * Math.Sin(a));
        }
    }

    /// <summary>A uniform integer in [0, count) for (domain, seed, stream, step).</summary>
    public static int NextInt(RandomDomain domain, long seed, long stream, long step, int count) =>
        (int)Math.Min(count - 1, Math.Floor(Uniform(domain, seed, stream, step, -1) * count));
}
