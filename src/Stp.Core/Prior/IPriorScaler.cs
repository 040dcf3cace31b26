namespace Stp.Prior;

/// <summary>
/// The size-dependent prior scale gamma_N of Scaling the Prior (paper eq. 12): the standard deviation multiplier of
/// every coordinate-noise draw for a molecule with N atoms. The unit prior (plain EDM) returns 1 for every N.
/// </summary>
public interface IPriorScaler
{
    /// <summary>gamma_N for a molecule with <paramref name="atomCount"/> atoms.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is outside what this scaler can answer.</exception>
    double PriorScale(int atomCount);
}
