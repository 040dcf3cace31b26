using Stp.Prior;

namespace Stp.Core.Tests;

/// <summary>A prior scale given by a function (tests only).</summary>
internal sealed class FuncPriorScaler(Func<int, double> f) : IPriorScaler
{
    public double PriorScale(int atomCount) => f(atomCount);
}
