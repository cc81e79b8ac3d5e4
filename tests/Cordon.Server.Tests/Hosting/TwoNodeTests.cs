using System.Net;
using System.Net.Http.Json;
using Cordon.Server.Hosting;

namespace Cordon.Server.Tests.Hosting;

/// <summary>Two Cordon nodes on one throwaway PostgreSQL, sharing the data directory's keys, as docs/operations.md runs them.</summary>
public sealed class TwoNodeTests : ServerTest
{
    protected override bool Postgres => true;

    [Fact]
    public async Task Two_nodes_racing_one_external_id_answer_201_and_409_never_500()
    {
        await using var second = await CordonApp.CreateAsync(new CordonServerOptions { DataDirectory = Server.Directory, Database = Server.Postgres, Urls = "http://127.0.0.1:0", RetentionInterval = TimeSpan.Zero, OutboxPollInterval = TimeSpan.Zero });
        await second.StartAsync();
        using var other = new HttpClient { BaseAddress = new Uri(second.Addresses[0]) };
        var token = Server.App;
        for (var round = 0; round < 10; round++)
        {
            var body = new { externalId = $"race-{round}-{Guid.NewGuid():N}", birthDate = "1990-01-01" };
            async Task<HttpStatusCode> PostAsync(HttpClient http)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/subjects") { Content = JsonContent.Create(body) };
                request.Headers.Authorization = new("Bearer", token);
                using var response = await http.SendAsync(request);
                return response.StatusCode;
            }

            var statuses = await Task.WhenAll(PostAsync(Server.Http), PostAsync(other));

            Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], statuses.Order());
        }
    }
}
