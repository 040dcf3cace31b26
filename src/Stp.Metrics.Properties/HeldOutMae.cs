namespace Stp.Metrics.Properties;

/// <summary>
/// What a property MAE is put in context with (EDM's table): on held-out real molecules, the predictor's own MAE
/// (table 2's "QM9 (lower bound)"), the 'numnodes' and 'naive' baselines, and the predictor on shuffled labels (EDM's
/// 'naive' task, an upper bound). All in the property's EDM unit; baselines are null when not trained.
/// </summary>
/// <param name="Molecules">Number of held-out molecules.</param>
/// <param name="LowerBound">The predictor's MAE on them.</param>
/// <param name="NumNodes">The numnodes baseline's MAE on them.</param>
/// <param name="Naive">The constant baseline's MAE on them.</param>
/// <param name="Shuffled">The predictor's MAE against randomly permuted labels.</param>
public sealed record HeldOutMae(int Molecules, double LowerBound, double? NumNodes = null, double? Naive = null, double? Shuffled = null);
