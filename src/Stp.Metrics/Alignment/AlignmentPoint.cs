namespace Stp.Metrics.Alignment;

/// <summary>Generation-target alignment at one reverse step for the molecules of one size (paper eq. 9).</summary>
/// <param name="Step">Integer time t of the network call (T..0).</param>
/// <param name="AtomCount">N, or 0 for all sizes together.</param>
/// <param name="Molecules">Number of molecules averaged.</param>
/// <param name="Gamma">Mean of &lt;x_hat_t, x_hat_0&gt; / ||x_hat_0||^2 (NaN when no molecule has a non-zero x_hat_0).</param>
/// <param name="Beta">Mean fraction of atoms whose argmax type at step t equals the final type.</param>
public sealed record AlignmentPoint(int Step, int AtomCount, int Molecules, double Gamma, double Beta);
