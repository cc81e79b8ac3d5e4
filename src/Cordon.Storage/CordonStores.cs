using Cordon.Storage.Sql;

namespace Cordon.Storage;

/// <summary>Opens a store: the embedded SQLite file (default) or a PostgreSQL database.</summary>
public static class CordonStores
{
    public const string SqliteFileName = "cordon.db";

    /// <summary>Opens (and migrates) the SQLite store at <paramref name="path"/>.</summary>
    public static async Task<ICordonStore> OpenSqliteAsync(string path, CancellationToken cancellationToken = default)
    {
        var store = new SqlStore(new SqliteDialect(path));
        await MigrateOrDisposeAsync(store, cancellationToken);
        return store;
    }

    /// <summary>Opens (and migrates) the PostgreSQL store; accepts a postgres:// URL or an Npgsql connection string.</summary>
    public static async Task<ICordonStore> OpenPostgresAsync(string connection, CancellationToken cancellationToken = default)
    {
        var store = new SqlStore(new PostgresDialect(connection));
        await MigrateOrDisposeAsync(store, cancellationToken);
        return store;
    }

    /// <summary>PostgreSQL when <paramref name="database"/> is set, else SQLite in the data directory.</summary>
    public static Task<ICordonStore> OpenAsync(string dataDirectory, string? database, CancellationToken cancellationToken = default)
        => string.IsNullOrWhiteSpace(database)
            ? OpenSqliteAsync(Path.Combine(dataDirectory, SqliteFileName), cancellationToken)
            : OpenPostgresAsync(database, cancellationToken);

    private static async Task MigrateOrDisposeAsync(ICordonStore store, CancellationToken cancellationToken)
    {
        try
        {
            await store.MigrateAsync(cancellationToken);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }
}
