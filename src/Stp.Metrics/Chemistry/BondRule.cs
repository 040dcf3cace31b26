namespace Stp.Metrics.Chemistry;

/// <summary>Which of EDM's two bond-inference paths a dataset uses (FACTS 2.1-2.3).</summary>
public enum BondRule
{
    /// <summary>
    /// QM9 (<c>get_bond_order</c>): stability looks pairs up in atom-index order, validity in type-index order;
    /// full bond orders (1/2/3) for both. A pair missing from the single-bond table gives no bond (EDM would raise).
    /// </summary>
    Qm9,

    /// <summary>
    /// GEOM-Drugs (<c>geom_predictor</c>, <c>check_exists</c>): pairs sorted by type index and unknown pairs give no
    /// bond; stability uses full bond orders, validity turns every detected bond into a single bond.
    /// </summary>
    GeomDrugs,
}
