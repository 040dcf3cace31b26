namespace Stp.Prior;

/// <summary>Which atoms enter the scale s(x) of a molecule whose atoms are coplanar or collinear (no 3D hull).</summary>
public enum DegenerateHullRule
{
    /// <summary>
    /// Every atom (default). A 3D hull does not exist for such molecules (scipy's ConvexHull, used by the authors,
    /// rejects flat input), and this rule is the one that reproduces the published QM9 table at the rare small sizes
    /// (N = 4..6: within 3% instead of 13-17% off with <see cref="HullVertices"/>).
    /// </summary>
    AllAtoms,

    /// <summary>The vertices of the lower-dimensional hull: the polygon corners, or the two terminal atoms of a line.</summary>
    HullVertices,
}
