namespace Stp.Metrics.Properties;

/// <summary>The models of EDM's property prediction (<c>main_qm9_prop.py --model_name</c>).</summary>
public enum PredictorKind
{
    /// <summary>EDM's invariant EGNN classifier (FACTS 1.11).</summary>
    Egnn,
    /// <summary>The 'numnodes' baseline: Linear(1, 128)-SiLU-Linear(128, 1) on N / 29; the property from the atom count alone.</summary>
    NumNodes,
    /// <summary>The 'naive' baseline: a constant (a Linear(1, 1) on zeros, i.e. its bias).</summary>
    Naive,
}
