use pipewright_macros::pipeline;

fn main() {
    let _app = pipeline! {
        stack Shop {
            lambda Orders {
                package: "service",
            }

            api OrdersApi {
                handler: Orders,
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
}
