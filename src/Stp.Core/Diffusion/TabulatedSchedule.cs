namespace Stp.Diffusion;

/// <summary>A schedule given by its gamma table (T + 1 values, index = t_int). Base of the predefined schedules.</summary>
public class TabulatedSchedule : INoiseSchedule
{
    private readonly double[] _gamma;

    /// <summary>Creates a schedule from a gamma table of length T + 1.</summary>
    public TabulatedSchedule(string name, IReadOnlyList<double> gamma)
    {
        if (gamma.Count < 2) throw new ArgumentException("A schedule needs at least two gamma values (T >= 1).", nameof(gamma));
        for (int i = 0; i < gamma.Count; i++)
            if (!double.IsFinite(gamma[i])) throw new ArgumentException($"gamma[{i}] = {gamma[i]} is not finite.", nameof(gamma));
        Name = name;
        _gamma = gamma.ToArray();
    }

    /// <summary>Schedule name, e.g. "polynomial_2".</summary>
    public string Name { get; }

    /// <inheritdoc />
    public int Timesteps => _gamma.Length - 1;

    /// <summary>The gamma table (T + 1 values).</summary>
    public IReadOnlyList<double> GammaTable => _gamma;

    /// <inheritdoc />
    public double Gamma(int t) => t >= 0 && t <= Timesteps
        ? _gamma[t]
        : throw new ArgumentOutOfRangeException(nameof(t), t, $"Step must be in 0..{Timesteps}.");

    /// <summary>Builds the table from alpha^2 values: gamma = -(log a2 - log(1 - a2)).</summary>
    protected static double[] GammaFromAlphas2(double[] alphas2) => alphas2.Select(NoiseScheduleMath.GammaFromAlpha2).ToArray();

    /// <inheritdoc />
    public override string ToString() => $"{Name} (T={Timesteps})";
}
