namespace Stp.Metrics.Properties;

/// <summary>One property of a conditional-generation MAE table (all values in the property's EDM unit).</summary>
/// <param name="Property">Property name.</param>
/// <param name="Molecules">Generated molecules evaluated.</param>
/// <param name="Mae">The predictor's MAE on them against their requested (sampled) property values.</param>
/// <param name="NumNodesOnGenerated">The numnodes baseline on the same molecules (EDM's "#Atoms" row), when it was trained.</param>
/// <param name="HeldOut">The predictor's MAE and the baselines on held-out real molecules, when recorded.</param>
/// <param name="Spearman">Spearman's rho between requested and predicted values on the generated molecules, when computed.</param>
/// <param name="SpearmanWithinSizes">The same within each molecule size, pooled (the context's own effect, without N's), when computed.</param>
public sealed record ConditionalRow(string Property, int Molecules, double Mae, double? NumNodesOnGenerated, HeldOutMae? HeldOut, double? Spearman = null,
    StratifiedSpearman? SpearmanWithinSizes = null);
