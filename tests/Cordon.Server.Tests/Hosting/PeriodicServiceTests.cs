using Cordon.Server.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Cordon.Server.Tests.Hosting;

public sealed class PeriodicServiceTests
{
    [Fact]
    public async Task Runs_once_per_interval_and_never_at_start()
    {
        var time = new FakeTimeProvider();
        using var service = new Counting(time, TimeSpan.FromHours(6));
        using var stop = new CancellationTokenSource();
        var running = service.RunAsync(stop.Token); // up to its first wait, on this thread: the timer exists after this line
        Assert.Equal(0, service.Runs);

        time.Advance(TimeSpan.FromHours(6));
        await service.WaitForAsync(1);
        time.Advance(TimeSpan.FromHours(5));
        Assert.Equal(1, service.Runs);
        time.Advance(TimeSpan.FromHours(1));
        await service.WaitForAsync(2);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task An_interval_of_zero_turns_it_off()
    {
        var time = new FakeTimeProvider();
        using var service = new Counting(time, TimeSpan.Zero);
        await service.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(0, service.Runs);
    }

    private sealed class Counting(TimeProvider time, TimeSpan interval) : PeriodicService(time)
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        protected override TimeSpan Interval => interval;

        public Task RunAsync(CancellationToken cancellationToken) => ExecuteAsync(cancellationToken);

        public async Task WaitForAsync(int runs)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Runs < runs && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.Equal(runs, Runs);
        }

        protected override Task RunOnceAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return Task.CompletedTask;
        }
    }
}
