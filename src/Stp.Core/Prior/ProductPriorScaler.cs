namespace Stp.Prior;

/// <summary>The product of several prior scales (nested StP decorators).</summary>
internal sealed class ProductPriorScaler(IReadOnlyList<IPriorScaler> factors) : IPriorScaler
{
    public IReadOnlyList<IPriorScaler> Factors { get; } = factors;

    public double PriorScale(int atomCount) => Factors.Aggregate(1.0, (p, f) => p * f.PriorScale(atomCount));
}
