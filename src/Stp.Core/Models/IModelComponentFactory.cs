namespace Stp.Models;

/// <summary>
/// Rebuilds a denoiser or a codec from its <see cref="ComponentDescription"/> (freshly initialised; the model file's
/// weights are loaded afterwards). Backbone packages implement it and announce it with
/// <see cref="ModelComponentFactoryAttribute"/>; Core knows no backbone.
/// </summary>
public interface IModelComponentFactory
{
    /// <summary>The type id this factory builds (e.g. "edm.egnn").</summary>
    string Type { get; }

    /// <summary>
    /// Builds the component: an <see cref="Stp.Diffusion.IDenoiser"/>, an <see cref="Stp.Codecs.IMoleculeCodec"/> or an
    /// <see cref="Stp.Objectives.ITrainingObjective"/> (named by the model's objective, built without options).
    /// </summary>
    object Create(ComponentDescription description, ModelBuildContext context);
}
