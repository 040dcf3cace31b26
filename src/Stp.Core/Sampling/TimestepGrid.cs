namespace Stp.Sampling;

/// <summary>
/// Subsampled grids of the trained T steps (diffusers' <c>set_timesteps</c>): a sampler with K steps visits
/// t_k = round(k T / K) for k = K, ..., 0 of the trained schedule — the same continuous schedule the model was trained
/// on, not a rebuilt one, so it works for every tabulated schedule.
/// </summary>
public static class TimestepGrid
{
    /// <summary>The grid [T, ..., 0] with <paramref name="steps"/> + 1 strictly decreasing integer times.</summary>
    /// <param name="trainedSteps">T of the schedule.</param>
    /// <param name="steps">K, 1 &lt;= K &lt;= T.</param>
    public static int[] Uniform(int trainedSteps, int steps)
    {
        if (trainedSteps < 1) throw new ArgumentOutOfRangeException(nameof(trainedSteps), trainedSteps, "T must be at least 1.");
        if (steps < 1 || steps > trainedSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"The number of sampling steps must be in 1..{trainedSteps} (the trained T).");
        var grid = new int[steps + 1];
        for (int k = steps; k >= 0; k--) grid[steps - k] = (int)Math.Round((double)k * trainedSteps / steps, MidpointRounding.AwayFromZero);
        return grid;
    }
}
