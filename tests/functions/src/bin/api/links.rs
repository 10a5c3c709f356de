//! What the API function uses besides the package's links.

pipewright_links::links! {
    pub struct Links {
        orders: Table(Orders, ReadWrite),
        uploads: Bucket(Uploads, Read),
    }
}
