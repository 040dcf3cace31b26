namespace Stp.Randomness;

/// <summary>
/// numpy's legacy global generator (<c>np.random.seed(s)</c> then <c>np.random.permutation(n)</c>): MT19937 seeded with
/// init_genrand, and the legacy Fisher-Yates shuffle whose index draws are masked 32-bit outputs with rejection
/// (<c>random_interval</c>). Only for reproducing EDM's fixed dataset splits (QM9: seed 0 over the 130,831 molecules,
/// seed 42 for the halves of the 100,000 training molecules); every other draw of Stp is counter-based.
/// </summary>
internal sealed class NumpyLegacyRandom
{
    private const int N = 624, M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index = N;

    public NumpyLegacyRandom(uint seed)
    {
        _mt[0] = seed;
        for (int i = 1; i < N; i++) _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
    }

    /// <summary>The next 32-bit output (genrand_int32).</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
        {
            for (int k = 0; k < N; k++)
            {
                uint y = (_mt[k] & 0x80000000u) | (_mt[(k + 1) % N] & 0x7fffffffu);
                _mt[k] = _mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1u) != 0 ? 0x9908b0dfu : 0u);
            }
            _index = 0;
        }
        uint x = _mt[_index++];
        x ^= x >> 11;
        x ^= (x << 7) & 0x9d2c5680u;
        x ^= (x << 15) & 0xefc60000u;
        x ^= x >> 18;
        return x;
    }

    /// <summary>numpy's <c>random_interval(max)</c>: uniform in 0..max (max below 2^32).</summary>
    public uint Interval(uint max)
    {
        if (max == 0) return 0;
        uint mask = max;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16;
        uint value;
        while ((value = NextUInt32() & mask) > max) { }
        return value;
    }

    /// <summary><c>np.random.seed(seed); np.random.permutation(count)</c>.</summary>
    public static int[] Permutation(int count, uint seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new NumpyLegacyRandom(seed);
        var p = new int[count];
        for (int i = 0; i < count; i++) p[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)rng.Interval((uint)i);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
