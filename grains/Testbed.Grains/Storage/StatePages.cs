using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Testbed.Storage;

/// <summary>
/// A grain constructor facet, like <see cref="PersistentStateAttribute"/>: numbered pages of items, each kept as its own
/// record (<c>&lt;stateName&gt;.&lt;page&gt;</c>) in the named grain storage provider. A grain keeps a growing log as
/// sealed pages plus a small head state, so no write reserializes the whole log.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class StatePagesAttribute(string stateName, string storageName) : Attribute, IFacetMetadata
{
    /// <summary>Prefix of the pages' state names.</summary>
    public string StateName { get; } = stateName;

    /// <summary>The grain storage provider's name.</summary>
    public string StorageName { get; } = storageName;
}

/// <summary>Numbered pages of items in grain storage (see <see cref="StatePagesAttribute"/>).</summary>
public interface IStatePages<T>
{
    /// <summary>The items of page <paramref name="page"/>, or null when it was never written.</summary>
    Task<IReadOnlyList<T>?> ReadAsync(int page);

    /// <summary>Writes page <paramref name="page"/>, replacing whatever an earlier write left there.</summary>
    Task WriteAsync(int page, IReadOnlyList<T> items);
}

/// <summary>One stored page.</summary>
[GenerateSerializer]
public sealed class StatePage<T>
{
    /// <summary>The page's items.</summary>
    [Id(0)]
    public List<T> Items { get; set; } = [];
}

/// <summary>The pages of one grain activation; remembers each page's ETag, so a rewrite is an optimistic-concurrency write.</summary>
internal sealed class StatePages<T>(GrainId grainId, string stateName, IGrainStorage storage) : IStatePages<T>
{
    private readonly Dictionary<int, string?> _etags = [];

    public async Task<IReadOnlyList<T>?> ReadAsync(int page)
    {
        var state = new GrainState<StatePage<T>>(new StatePage<T>());
        await storage.ReadStateAsync(Name(page), grainId, state);
        _etags[page] = state.ETag;
        return state.RecordExists ? state.State?.Items ?? [] : null;
    }

    public async Task WriteAsync(int page, IReadOnlyList<T> items)
    {
        if (!_etags.ContainsKey(page))
        {
            // A page left by a write that was never acknowledged may exist: learn its ETag to replace it.
            await ReadAsync(page);
        }

        var state = new GrainState<StatePage<T>>(new StatePage<T> { Items = [.. items] }) { ETag = _etags[page] };
        await storage.WriteStateAsync(Name(page), grainId, state);
        _etags[page] = state.ETag;
    }

    private string Name(int page) => $"{stateName}.{page}";
}

/// <summary>Makes <see cref="IStatePages{T}"/> constructor arguments for <see cref="StatePagesAttribute"/> parameters.</summary>
internal sealed class StatePagesAttributeMapper : IAttributeToFactoryMapper<StatePagesAttribute>
{
    public Factory<IGrainContext, object> GetFactory(ParameterInfo parameter, StatePagesAttribute metadata)
    {
        var type = parameter.ParameterType;
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IStatePages<>))
        {
            throw new InvalidOperationException($"[StatePages] needs a parameter of type IStatePages<T>, not {type}");
        }

        var pagesType = typeof(StatePages<>).MakeGenericType(type.GetGenericArguments());
        return context =>
        {
            var storage = context.ActivationServices.GetKeyedService<IGrainStorage>(metadata.StorageName)
                ?? throw new BadProviderConfigException($"no grain storage provider named \"{metadata.StorageName}\" for {context.GrainId}");
            return Activator.CreateInstance(pagesType, context.GrainId, metadata.StateName, storage)!;
        };
    }
}
