using Stp.Chemistry;
using Stp.Data;
using Stp.Testing;

namespace Stp.Metrics.Properties.Tests;

/// <summary>The 13,083 QM9 molecules with properties (EDM units), split into the predictor and generator halves once per test run.</summary>
internal static class Qm9Halves
{
    private static PropertyHalves? _halves;

    public static PropertyHalves Get()
    {
        var path = SharedData.Data("qm9/qm9_edm_test.xyz.gz");
        return _halves ??= PropertyHalves.Split(Qm9Properties.ToEdmUnits(XyzFile.Read(path)));
    }
}
