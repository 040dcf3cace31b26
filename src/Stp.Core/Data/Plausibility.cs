using System.Globalization;
using Stp.Chemistry;

namespace Stp.Data;

/// <summary>
/// The checks every molecule reader applies to each value it reads, so that all formats accept and reject the same
/// things: a coordinate must be finite and within <see cref="Molecule.MaxCoordinate"/> Angstrom (which also keeps it a
/// finite float32), an atomic number must be a whole number in 1..<see cref="Element.MaxAtomicNumber"/> (0 is
/// padding, not an atom).
/// </summary>
internal static class Plausibility
{
    /// <summary>Null when <paramref name="value"/> is a usable coordinate, else the problem (quoting <paramref name="text"/> when given).</summary>
    public static string? CoordinateProblem(double value, string? text = null)
    {
        var shown = text ?? value.ToString("R", CultureInfo.InvariantCulture);
        if (!double.IsFinite(value)) return $"non-finite coordinate '{shown}'";
        if (Math.Abs(value) > Molecule.MaxCoordinate)
            return $"coordinate '{shown}' is beyond the plausible {Molecule.MaxCoordinate:N0} Angstrom";
        return null;
    }

    /// <summary>Null when <paramref name="value"/> is an atomic number this library knows, else the problem.</summary>
    public static string? AtomicNumberProblem(double value) =>
        value >= 1 && value <= Element.MaxAtomicNumber && value == Math.Floor(value) ? null
        : $"atomic number {value.ToString("R", CultureInfo.InvariantCulture)} is not a whole number in 1..{Element.MaxAtomicNumber}{(value == 0 ? " (0 marks padding, not an atom)" : "")}";
}
