namespace Stp.Testing;

/// <summary>Original QM9 (dsgdb9nsd) xyz records written by hand, for loader tests.</summary>
internal static class Qm9Text
{
    /// <summary>
    /// A two-atom record "gdb <paramref name="index"/>": <paramref name="element"/> at (<paramref name="x"/>, 0, 0) and
    /// H at (0.1, 1, 0) written with Mathematica's exponent ("1.0*^-1"); homo -0.3877; SMILES "[H]element".
    /// </summary>
    public static string Record(int index, string element, double x) =>
        $"2\ngdb {index}\t157.7\t157.7\t157.7\t0.\t13.21\t-0.3877\t0.1171\t0.5048\t35.36\t0.0447\t-40.47\t-40.47\t-40.47\t-40.49\t6.469\t\n" +
        $"{element}\t{x}\t0.0\t0.0\t-0.5\nH\t1.0*^-1\t1.0\t0.0\t0.1\n1341.3\t1562.6\n[H]{element}\t[H]{element}\nInChI=1S\tInChI=1S\n";
}
