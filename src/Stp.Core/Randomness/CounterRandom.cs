namespace Stp.Randomness;

/// <summary>
/// A counter-based random generator: every value is a pure function of (domain, seed, stream, step, index), so the
/// noise of a molecule does not depend on its batch, its padding, the device or the order of calls. This makes
/// sampling batch-invariant and training resumable from a step number alone. SplitMix64 hashing + Box-Muller.
/// Each <see cref="RandomDomain"/> is its own namespace: draws of different domains never coincide by construction
/// (the size draws of a run cannot repeat a molecule's noise, as they did when all uses shared one key space).
/// </summary>
internal static class CounterRandom
{
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // The sampling domain keeps the key of the first release, so a model samples the same molecules for the same seed
    // as before; every other domain hashes its tag into the key.
    private static ulong Key(RandomDomain domain, long seed, long stream, long step)
    {
        ulong key = Mix(Mix(Mix((ulong)seed) ^ (ulong)stream * 0xD1B54A32D192ED03UL) ^ (ulong)step * 0xABC98388FB8FAC03UL);
        return domain == RandomDomain.Sampling ? key : Mix(key ^ Mix(0x5354_5000UL + (ulong)domain));
    }

    private static double ToUnit(ulong bits) => ((bits >> 11) + 0.5) * (1.0 / (1UL << 53));

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
