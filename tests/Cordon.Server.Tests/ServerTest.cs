namespace Cordon.Server.Tests;

/// <summary>
/// A test class with its own real Cordon server (fresh data directory, Kestrel on a free port), started before its first
/// test and disposed after its last. Subclasses say how to start it; engine-parametrised suites override
/// <see cref="Postgres"/> in one subclass per engine.
/// </summary>
public abstract class ServerTest : IAsyncLifetime
{
    private CordonServer? _server;

    protected CordonServer Server => _server ?? throw new InvalidOperationException("The server starts in InitializeAsync.");

    protected virtual bool Postgres => false;

    protected virtual Task<CordonServer> StartServerAsync() => CordonServer.StartAsync(Postgres);

    public async ValueTask InitializeAsync() => _server = await StartServerAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
