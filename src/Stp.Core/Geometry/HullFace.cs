namespace Stp.Geometry;

/// <summary>
/// A triangular face of a 3D convex hull: indices into the input point list, ordered counter-clockwise when seen
/// from outside the hull (so the right-hand normal of A→B→C points outwards).
/// </summary>
/// <param name="A">First corner.</param>
/// <param name="B">Second corner.</param>
/// <param name="C">Third corner.</param>
public readonly record struct HullFace(int A, int B, int C);
