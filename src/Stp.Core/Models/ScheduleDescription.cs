using Stp.Diffusion;

namespace Stp.Models;

/// <summary>A noise schedule in a model file: EDM's polynomial or cosine by their parameters, anything else by its gamma table.</summary>
/// <param name="Kind">"polynomial", "cosine", "linear" (flow matching's interpolant) or "tabulated".</param>
/// <param name="Timesteps">T.</param>
/// <param name="Power">Polynomial power.</param>
/// <param name="Precision">Polynomial precision s.</param>
/// <param name="Offset">Cosine offset s.</param>
/// <param name="Gamma">gamma_t for t = 0..T ("tabulated").</param>
public sealed record ScheduleDescription(string Kind, int Timesteps, double? Power = null, double? Precision = null, double? Offset = null, double[]? Gamma = null)
{
    /// <summary>Describes a base (undecorated) schedule.</summary>
    public static ScheduleDescription Of(INoiseSchedule schedule) => schedule switch
    {
        PolynomialSchedule p => new("polynomial", p.Timesteps, Power: p.Power, Precision: p.Precision),
        CosineSchedule c => new("cosine", c.Timesteps, Offset: c.Offset),
        LinearInterpolantSchedule l => new("linear", l.Timesteps),
        _ => new("tabulated", schedule.Timesteps, Gamma: Enumerable.Range(0, schedule.Timesteps + 1).Select(schedule.Gamma).ToArray()),
    };

    /// <summary>Rebuilds the schedule.</summary>
    public INoiseSchedule Build() => Kind switch
    {
        "polynomial" => new PolynomialSchedule(Timesteps, Power ?? 2, Precision ?? 1e-5),
        "cosine" => new CosineSchedule(Timesteps, Offset ?? 0.008),
        "linear" => new LinearInterpolantSchedule(Timesteps),
        "tabulated" => new TabulatedSchedule("tabulated", Gamma ?? throw new InvalidDataException("A tabulated schedule needs its gamma table.")),
        _ => throw new InvalidDataException($"Unknown schedule kind '{Kind}' (polynomial, cosine, linear, tabulated)."),
    };
}
