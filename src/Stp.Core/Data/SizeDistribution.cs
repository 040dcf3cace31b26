using System.Text.Json;
using Stp.Chemistry;
using Stp.Randomness;

namespace Stp.Data;

/// <summary>
/// The distribution p(N) of molecule sizes (EDM's <c>DistributionNodes</c>): a categorical over a histogram of atom counts.
/// </summary>
public sealed class SizeDistribution
{
    private readonly SortedDictionary<int, long> _counts;
    private readonly int[] _sizes;
    private readonly double[] _cumulative;

    /// <summary>Creates the distribution from counts per atom number (zero counts allowed, negative rejected).</summary>
    public SizeDistribution(IReadOnlyDictionary<int, long> counts)
    {
        _counts = new SortedDictionary<int, long>();
        foreach (var (n, c) in counts)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(counts), n, "Atom counts must be >= 1.");
            if (c < 0) throw new ArgumentOutOfRangeException(nameof(counts), c, $"Negative count for N = {n}.");
            if (c > 0) _counts[n] = c;
        }
        if (_counts.Count == 0) throw new ArgumentException("The size histogram is empty.", nameof(counts));
        _sizes = _counts.Keys.ToArray();
        double total = _counts.Values.Sum();
        _cumulative = new double[_sizes.Length];
        double acc = 0;
        for (int i = 0; i < _sizes.Length; i++) { acc += _counts[_sizes[i]] / total; _cumulative[i] = acc; }
        Total = (long)total;
    }

    /// <summary>The histogram (sizes with non-zero count).</summary>
    public IReadOnlyDictionary<int, long> Counts => _counts;

    /// <summary>Number of molecules counted.</summary>
    public long Total { get; }

    /// <summary>Largest size with non-zero probability.</summary>
    public int MaxAtoms => _sizes[^1];

    /// <summary>p(N).</summary>
    public double Probability(int n) => _counts.TryGetValue(n, out var c) ? (double)c / Total : 0.0;

    /// <summary>log p(N) with EDM's 1e-30 floor.</summary>
    public double LogProbability(int n) => Math.Log(Probability(n) + 1e-30);

    /// <summary>Draws <paramref name="count"/> sizes, reproducibly from <paramref name="seed"/>.</summary>
    public int[] Sample(int count, long seed)
    {
        var result = new int[count];
        for (int i = 0; i < count; i++)
        {
            double u = CounterRandom.Uniform(RandomDomain.Sizes, seed, i, 0, 0);
            int k = Array.BinarySearch(_cumulative, u);
            if (k < 0) k = ~k;
            result[i] = _sizes[Math.Min(k, _sizes.Length - 1)];
        }
        return result;
    }

    /// <summary>Histogram of a set of molecules.</summary>
    public static SizeDistribution FromMolecules(IEnumerable<Molecule> molecules) =>
        new(molecules.GroupBy(m => m.AtomCount).ToDictionary(g => g.Key, g => (long)g.Count()));

    /// <summary>EDM's QM9 training histogram (100,000 molecules; FACTS appendix B).</summary>
    public static SizeDistribution Qm9 { get; } = new(Parse(
        "3:1,4:4,5:5,6:9,7:16,8:49,9:124,10:362,11:807,12:1689,13:3060,14:5136,15:7796,16:10644,17:13025,18:13364,19:13832,20:9482,21:9970,22:3393,23:4848,24:539,25:1506,26:48,27:266,29:25"));

    /// <summary>EDM's GEOM-Drugs histogram (6,922,516 conformers; FACTS appendix B).</summary>
    public static SizeDistribution GeomDrugs { get; } = new(Parse(
        "3:1,4:3,5:9,6:2,7:8,8:23,9:23,10:50,11:109,12:168,13:280,14:402,15:583,16:597,17:949,18:1284,19:1862,20:2674,21:3599,22:6109,23:8693,24:13604,25:17419,26:25672,27:31647,28:43809,29:56697,30:70400,31:82655,32:104100,33:122776,34:140834,35:164888,36:185451,37:194541,38:218549,39:231232,40:243300,41:253349,42:268341,43:272081,44:276917,45:276839,46:274747,47:272126,48:262709,49:250157,50:244781,51:228898,52:215338,53:203728,54:191697,55:180518,56:163843,57:152055,58:136536,59:120393,60:107292,61:94635,62:83179,63:68384,64:61517,65:48867,66:37685,67:32859,68:27367,69:20981,70:18699,71:14791,72:11921,73:9933,74:9037,75:6538,76:6374,77:4036,78:4189,79:3842,80:3277,81:2925,82:1843,83:2060,84:1394,85:1514,86:1357,87:1346,88:999,89:300,90:390,91:510,92:510,93:240,94:721,95:360,96:360,97:390,98:330,99:540,100:258,101:210,102:60,103:180,104:206,105:60,106:390,107:180,108:180,109:150,110:120,111:360,112:120,113:210,114:60,115:30,116:210,117:270,118:450,119:240,120:228,121:120,122:30,123:420,124:240,125:210,126:158,127:180,128:60,129:30,130:120,131:30,132:120,133:60,134:240,135:169,136:240,137:30,138:270,139:180,140:270,141:150,142:60,143:60,144:240,145:180,146:150,147:150,148:90,149:90,151:30,152:60,155:90,159:30,160:60,165:30,171:30,175:30,176:60,181:30"));

    private static Dictionary<int, long> Parse(string s) => s.Split(',')
        .Select(p => p.Split(':')).ToDictionary(p => int.Parse(p[0]), p => long.Parse(p[1]));

    /// <summary>JSON form: {"N": count, ...}.</summary>
    public string ToJson() => JsonSerializer.Serialize(_counts.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value));

    /// <summary>Reads the JSON form.</summary>
    public static SizeDistribution FromJson(string json) =>
        new(JsonSerializer.Deserialize<Dictionary<string, long>>(json)!.ToDictionary(kv => int.Parse(kv.Key), kv => kv.Value));
}
