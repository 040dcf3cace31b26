namespace Stp.Sampling;

/// <summary>
/// How a sampler with K &lt; T steps spreads them over the trained T (<see cref="SamplerOptions.Spacing"/>): the power
/// grid t_k = round(T (k / K)^rho), every step at least one trained step. rho = 1 is the uniform grid (the default), rho
/// &gt; 1 puts the steps closer together near the data (t = 0), where the molecule's geometry is decided, and further
/// apart at high noise; rho = 2 is DDIM's "quadratic" skip.
/// </summary>
/// <param name="Exponent">rho, in [1, 10].</param>
public sealed record TimestepSpacing(double Exponent)
{
    /// <summary>rho, in [1, 10].</summary>
    public double Exponent { get; } = Exponent is >= 1 and <= 10 ? Exponent
        : throw new ArgumentOutOfRangeException(nameof(Exponent), Exponent, "The spacing exponent rho must be in [1, 10] (1: uniform, 2: quadratic).");

    /// <summary>Evenly: t_k = round(k T / K) (diffusers' "linspace"; the default).</summary>
    public static TimestepSpacing Uniform { get; } = new(1);

    /// <summary>t_k = round(T (k / K)^2), DDIM's "quadratic" skip.</summary>
    public static TimestepSpacing Quadratic { get; } = new(2);

    /// <summary>"uniform", "quadratic" or the exponent.</summary>
    public override string ToString() => Exponent == 1 ? "uniform" : Exponent == 2 ? "quadratic" : Exponent.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Subsampled grids of the trained T steps (diffusers' <c>set_timesteps</c>): a sampler with K steps visits
/// t_K &gt; ... &gt; t_0 = 0 of the trained schedule — the same continuous schedule the model was trained on, not a
/// rebuilt one, so it works for every tabulated schedule.
/// </summary>
public static class TimestepGrid
{
    /// <summary>The grid [T, ..., 0] of <paramref name="spacing"/> with <paramref name="steps"/> + 1 strictly decreasing integer times.</summary>
    /// <param name="spacing">How the steps are spread.</param>
    /// <param name="trainedSteps">T of the schedule.</param>
    /// <param name="steps">K, 1 &lt;= K &lt;= T.</param>
    public static int[] Create(TimestepSpacing spacing, int trainedSteps, int steps)
    {
        ArgumentNullException.ThrowIfNull(spacing);
        return spacing.Exponent == 1 ? Uniform(trainedSteps, steps) : Power(trainedSteps, steps, spacing.Exponent);
    }

    /// <summary>The grid t_k = round(k T / K) for k = K, ..., 0 (<see cref="TimestepSpacing.Uniform"/>).</summary>
    /// <param name="trainedSteps">T of the schedule.</param>
    /// <param name="steps">K, 1 &lt;= K &lt;= T.</param>
    public static int[] Uniform(int trainedSteps, int steps)
    {
        Check(trainedSteps, steps);
        var grid = new int[steps + 1];
        for (int k = steps; k >= 0; k--) grid[steps - k] = (int)Math.Round((double)k * trainedSteps / steps, MidpointRounding.AwayFromZero);
        return grid;
    }

    /// <summary>The grid t_k = max(round(T (k / K)^2), t_{k-1} + 1) for k = K, ..., 0 (<see cref="TimestepSpacing.Quadratic"/>).</summary>
    /// <param name="trainedSteps">T of the schedule.</param>
    /// <param name="steps">K, 1 &lt;= K &lt;= T.</param>
    public static int[] Quadratic(int trainedSteps, int steps) => Power(trainedSteps, steps, 2);

    private static int[] Power(int trainedSteps, int steps, double rho)
    {
        Check(trainedSteps, steps);
        var ascending = new int[steps + 1];
        for (int k = 1; k <= steps; k++)
            ascending[k] = Math.Max((int)Math.Round(trainedSteps * Math.Pow((double)k / steps, rho), MidpointRounding.AwayFromZero), ascending[k - 1] + 1);
        // Below the point where T (k/K)^rho grows by at least 1 per step the grid is t_k = k, and above it the rounded
        // power is strictly increasing, so the top stays T.
        if (ascending[steps] != trainedSteps) throw new InvalidOperationException($"Spacing rho = {rho}: the grid of {steps} steps ends at {ascending[steps]}, not T = {trainedSteps}.");
        Array.Reverse(ascending);
        return ascending;
    }

    private static void Check(int trainedSteps, int steps)
    {
        if (trainedSteps < 1) throw new ArgumentOutOfRangeException(nameof(trainedSteps), trainedSteps, "T must be at least 1.");
        if (steps < 1 || steps > trainedSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"The number of sampling steps must be in 1..{trainedSteps} (the trained T).");
    }
}
