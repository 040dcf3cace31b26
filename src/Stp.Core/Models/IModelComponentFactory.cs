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

    /// <summary>
    /// Called before <see cref="Create"/> when a model file is loaded: checks that the description's sizes (widths,
    /// layer counts) agree with the weights the file holds for this component, so that a damaged or crafted
    /// description (a width of 2048 where the file holds 256) fails at once instead of first building a large model.
    /// <paramref name="shapes"/> are the shapes in the file's header, keyed as in the component's own state dict (no part
    /// prefix); nothing has been read or built yet. Throw a <see cref="Data.DataFileException"/> naming
    /// <paramref name="source"/> (<see cref="WeightShapes"/> helps). The default checks nothing.
    /// </summary>
    void CheckWeights(ComponentDescription description, IReadOnlyDictionary<string, long[]> shapes, string source) { }
}
